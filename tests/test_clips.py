"""Clips, trims and chapters on real media: frame counts and decoded pixels prove the cuts are
frame-accurate; captions and chapters follow the range; the article's JSON-LD names the chapters."""
import io
import json
import re

import pytest

from videodesk.auth.tokens import issue_token
from videodesk.core import db
from videodesk.core.digests import sha256_of
from videodesk.core.models import User, Video

from . import media
from .helpers import bearer, check_against_document, make_app

FPS = 25
ENGLISH = """WEBVTT

00:00:00.200 --> 00:00:01.000
Before the clip

00:00:00.500 --> 00:00:01.500
Across the start

00:00:02.000 --> 00:00:03.000
Inside the clip

00:00:03.400 --> 00:00:03.900
Across the end
"""
SPANISH = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nDentro\n"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """One app (jobs run at once) with a producer, an editor and a processed 4 s source whose
    frames all differ, captioned in English and Spanish."""
    folder = tmp_path_factory.mktemp("clips")
    app = make_app(folder / "data", queue_immediate=True, max_upload_mb=5)
    with app.app_context():
        users = [User(name="producer", role="producer"), User(name="editor", role="editor")]
        db.session().add_all(users)
        app.tokens = {user.name: issue_token(user) for user in users}
        db.session().commit()
    app.source = media.make_frame_numbered(folder / "numbered.mp4")
    client = app.test_client()
    (folder / "en.vtt").write_text(ENGLISH)
    response = client.post("/api/videos", headers=bearer(app.tokens["producer"]), content_type="multipart/form-data",
                           data={"file": (open(app.source, "rb"), "numbered.mp4"), "title": "Numbered",
                                 "captions": (open(folder / "en.vtt", "rb"), "en.vtt")})
    assert response.status_code == 202, response.json
    app.parent_id = response.json["id"]
    added = client.post(f"/api/videos/{app.parent_id}/captions", headers=bearer(app.tokens["producer"]),
                        content_type="multipart/form-data", data={"lang": "es", "file": (io.BytesIO(SPANISH.encode()), "es.vtt")})
    assert added.status_code == 201, added.json
    return app


def api(desk, method, path, **kwargs):
    client = desk.test_client()
    return getattr(client, method)(path, headers=bearer(desk.tokens["producer"]), **kwargs)


def cut_method(desk, video_id) -> str:
    with desk.app_context():
        return db.session().get(Video, video_id).pipeline_state.cut.method


def cues(desk, video_id) -> dict:
    tracks = api(desk, "get", f"/api/videos/{video_id}/captions?cues=1").json["captions"]
    return {track["lang"]: [(c["start"], c["end"], c["text"]) for c in track["cues"]] for track in tracks}


def files_of(desk, video_id):
    data = desk.settings.data_dir
    return data / "uploads" / video_id / "source", data / "media" / video_id / "video.mp4"


def test_a_clip_off_keyframes_is_re_encoded_frame_accurately_with_its_captions(desk):
    response = api(desk, "post", f"/api/videos/{desk.parent_id}/clips",
                   json={"start": 1.28, "end": 3.52, "title": "The middle"})
    assert response.status_code == 202, response.json
    assert set(response.json) == {"id", "status", "url"}
    clip = api(desk, "get", response.json["url"]).json
    assert clip["status"] == "ready", clip
    assert clip["clip_of"] == {"id": desk.parent_id, "start": 1.28, "end": 3.52}
    check_against_document(desk.test_client(), clip)
    assert clip["title"] == "The middle"
    assert api(desk, "get", f"/api/videos/{desk.parent_id}").json["clip_of"] is None
    # 1.28 s is frame 32, half-way between the keyframes at 0 and 2 s: the range is re-encoded.
    assert cut_method(desk, clip["id"]) == "reencode"
    source, web = files_of(desk, clip["id"])
    expected = round((3.52 - 1.28) * FPS)
    for path in (source, web):
        assert media.frame_count(path) == expected, path
        first = media.gray_frame(path)
        at_start = media.frame_difference(first, media.gray_frame(desk.source, 32))
        neighbours = [media.frame_difference(first, media.gray_frame(desk.source, n)) for n in (31, 33)]
        assert at_start < 2.0 and min(neighbours) > 5 * max(at_start, 1.0), (path, at_start, neighbours)
    assert abs(clip["duration"] - 2.24) <= 1 / FPS
    # Every track comes along: cues overlapping the range, clipped to it, moved by -1.28 s.
    assert cues(desk, clip["id"]) == {
        "en": [(0.0, 0.22, "Across the start"), (0.72, 1.72, "Inside the clip"), (2.12, 2.24, "Across the end")],
        "es": [(0.0, 0.72, "Dentro")],
    }


def test_a_clip_starting_on_a_keyframe_is_stream_copied(desk):
    # To the end the player shows (its MP4 outlasts the original by an audio frame): the original's end.
    end = api(desk, "get", f"/api/videos/{desk.parent_id}").json["duration"]
    response = api(desk, "post", f"/api/videos/{desk.parent_id}/clips", json={"start": 2, "end": end})
    assert response.status_code == 202, response.json
    clip = api(desk, "get", response.json["url"]).json
    assert clip["status"] == "ready", clip
    assert clip["title"] == "Numbered (0:02–0:04)"
    assert cut_method(desk, clip["id"]) == "copy"
    source, _web = files_of(desk, clip["id"])
    assert media.frame_count(source) == 2 * FPS
    # Copied bits: the first frame is the source's frame 50 exactly.
    assert media.frame_difference(media.gray_frame(source), media.gray_frame(desk.source, 50)) == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"start": 2, "end": 2}, "'end'"), ({"start": 3, "end": 1}, "'end'"), ({"start": 1, "end": 9}, "'end'"),
    ({"start": 5, "end": 6}, "'start'"), ({"start": 1, "end": 1.3}, "'end'"), ({"start": -1, "end": 1}, "'start'"),
    ({"start": "1", "end": 2}, "'start'"), ({"start": 1, "end": None}, "'end'"), ({"start": True, "end": 2}, "'start'"),
    ({"start": 0, "end": float("inf")}, "'end'"),
])
def test_bad_ranges_are_refused_naming_the_field(desk, body, field):
    client = desk.test_client()
    response = client.post(f"/api/videos/{desk.parent_id}/clips", headers=bearer(desk.tokens["producer"]),
                           data=json.dumps(body, allow_nan=True), content_type="application/json")
    assert response.status_code == 400, response.json
    assert field in response.json["error"]["message"], response.json


def test_a_clip_of_a_video_not_ready_is_a_conflict(desk):
    with desk.app_context():
        video = Video(title="Waiting", owner_id=1, status="processing")
        db.session().add(video)
        db.session().commit()
        video_id = video.id
    response = api(desk, "post", f"/api/videos/{video_id}/clips", json={"start": 0, "end": 1})
    assert response.status_code == 409 and response.json["error"]["code"] == "not_ready"


def test_trim_keeps_the_original_and_is_undone(desk, tmp_path):
    path = media.make_frame_numbered(tmp_path / "to-trim.mp4")
    response = desk.test_client().post(
        "/api/videos", headers=bearer(desk.tokens["producer"]), content_type="multipart/form-data",
        data={"file": (open(path, "rb"), "to-trim.mp4"), "captions": (io.BytesIO(ENGLISH.encode()), "en.vtt")})
    video_id = response.json["id"]
    original, web = files_of(desk, video_id)
    before = api(desk, "get", f"/api/videos/{video_id}").json

    trimmed = api(desk, "post", f"/api/videos/{video_id}/trim", json={"start": 0.6, "end": 3.4})
    assert trimmed.status_code == 202, trimmed.json
    video = api(desk, "get", f"/api/videos/{video_id}").json
    assert video["status"] == "ready" and video["trim"] == {"start": 0.6, "end": 3.4}
    check_against_document(desk.test_client(), video)
    assert abs(video["duration"] - 2.8) <= 1 / FPS and media.frame_count(web) == 70
    assert media.frame_difference(media.gray_frame(web), media.gray_frame(path, 15)) < 2.0
    assert sha256_of(original) == before["source"]["sha256"]  # the original is untouched beside the trimmed cut
    assert [p.name for p in original.parent.glob("trimmed-*")] == ["trimmed-600-3400.mkv"]
    assert cues(desk, video_id)["en"][0] == (0.0, 0.4, "Before the clip")

    # A trim of the trimmed video is a range of what the player shows: 0.4 s in is 1.0 s of the original.
    again = api(desk, "post", f"/api/videos/{video_id}/trim", json={"start": 0.4, "end": 2.4})
    assert again.status_code == 202 and again.json["trim"] == {"start": 1.0, "end": 3.0}
    assert cues(desk, video_id)["en"] == [(0.0, 0.5, "Across the start"), (1.0, 2.0, "Inside the clip")]

    untrimmed = api(desk, "delete", f"/api/videos/{video_id}/trim")
    assert untrimmed.status_code == 202 and untrimmed.json["trim"] is None
    video = api(desk, "get", f"/api/videos/{video_id}").json
    assert video["status"] == "ready" and video["duration"] == before["duration"]
    assert media.frame_count(web) == 100 and not list(original.parent.glob("trimmed-*"))
    assert len(cues(desk, video_id)["en"]) == 4
    assert api(desk, "delete", f"/api/videos/{video_id}/trim").json["error"]["code"] == "not_trimmed"


def ld_json(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_chapters_are_validated_served_as_webvtt_and_named_in_the_article_json_ld(desk):
    path = f"/api/videos/{desk.parent_id}/chapters"
    bad = [({"chapters": [{"start": 5, "title": "Late"}]}, "chapters[0].start"),
           ({"chapters": [{"start": 1, "title": "B"}, {"start": 1, "title": "C"}]}, "chapters[1].start"),
           ({"chapters": [{"start": 0, "title": ""}]}, "chapters[0].title"),
           ({"chapters": [{"start": 0, "title": "x" * 101}]}, "chapters[0].title"),
           ({"chapters": [{"start": -1, "title": "Before"}]}, "chapters[0].start"),
           ({"chapters": "0:00 Intro"}, "'chapters'"), ({"description": "no times here"}, "'description'"),
           ({"chapters": [{"start": n / 100, "title": "t"} for n in range(101)]}, "'chapters'")]
    for body, field in bad:
        response = api(desk, "put", path, json=body)
        assert response.status_code == 400 and field in response.json["error"]["message"], (body, response.json)

    response = api(desk, "put", path, json={"chapters": [{"start": 0, "title": "Opening"}, {"start": 2.5, "title": "Weather"}]})
    assert response.status_code == 200, response.json
    assert response.json["chapters"] == [{"start": 0.0, "title": "Opening"}, {"start": 2.5, "title": "Weather"}]
    check_against_document(desk.test_client(), response.json)
    # "00:00 Title" lines of a description, as JSON or as the text itself.
    lines = "Today's programme:\n0:00 Opening\n0:01 Headlines - the day\n00:03 Weather\nThanks for watching"
    for kwargs in ({"json": {"description": lines}}, {"data": lines, "content_type": "text/plain"}):
        video = api(desk, "put", path, **kwargs).json
        assert video["chapters"] == [{"start": 0.0, "title": "Opening"}, {"start": 1.0, "title": "Headlines - the day"},
                                     {"start": 3.0, "title": "Weather"}]
    vtt = desk.test_client().get(video["chapters_url"], headers=bearer(desk.tokens["producer"]))
    assert vtt.mimetype == "text/vtt"
    assert "00:00:01.000 --> 00:00:03.000\nHeadlines - the day" in vtt.get_data(as_text=True)

    story = desk.test_client().post("/api/stories", headers=bearer(desk.tokens["editor"]), json={
        "headline": "Numbered frames", "body": "Frames.", "video_id": desk.parent_id, "status": "published"}).json
    html = desk.test_client().get(story["url"]).get_data(as_text=True)
    assert re.search(r'<track kind="chapters" src="[^"]+chapters-\w+\.vtt"', html)
    video_object = ld_json(html)["video"]
    article = f"http://localhost{story['url']}"
    assert video_object["hasPart"] == [
        {"@type": "Clip", "name": "Opening", "startOffset": 0, "endOffset": 1, "url": f"{article}?t=0"},
        {"@type": "Clip", "name": "Headlines - the day", "startOffset": 1, "endOffset": 3, "url": f"{article}?t=1"},
        {"@type": "Clip", "name": "Weather", "startOffset": 3, "endOffset": video["duration"], "url": f"{article}?t=3"},
    ]
    assert video_object["potentialAction"] == {"@type": "SeekToAction",
                                               "target": f"{article}?t={{seek_to_second_number}}",
                                               "startOffset-input": "required name=seek_to_second_number"}
    assert api(desk, "put", path, json={"chapters": []}).json["chapters_url"] is None
