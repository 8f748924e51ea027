"""The JSON API and reader pages through Flask's test client; jobs run at once (huey immediate mode)
on the real ffmpeg and a real SQLite database."""
import io

import pytest

from videodesk.app import create_app

from .helpers import bearer, ready_video, upload
from .servers import free_port


def test_healthz(client):
    assert client.get("/healthz").json == {"ok": True}


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "unauthorized"),
    ({"Authorization": "Bearer nope"}, 401, "unauthorized"),
])
def test_api_requires_a_token(client, headers, status, code):
    response = client.post("/api/stories", json={"headline": "x"}, headers=headers)
    assert response.status_code == status and response.json["error"]["code"] == code


def test_producers_cannot_write_stories(client, tokens):
    response = client.post("/api/stories", json={"headline": "x"}, headers=bearer(tokens["producer"]))
    assert response.status_code == 403 and "editor" in response.json["error"]["message"]


def test_upload_becomes_ready_with_outputs_and_captions(client, tokens, clips):
    video = ready_video(client, tokens, clips)
    assert video["title"] == "Flood defences"
    assert (video["width"], video["height"]) == (320, 180)
    assert video["duration"] == pytest.approx(3.0, abs=0.2)
    assert video["progress"] == 1.0 and video["error"] is None
    assert video["mp4_url"].endswith("/video.mp4") and video["poster_url"].endswith("-320.jpg")
    assert video["hls_url"].endswith("/hls/master.m3u8") and video["storyboard_url"].endswith("/storyboard.vtt")
    assert video["preview_url"].endswith("/preview.mp4") and video["preview_webp_url"].endswith("/preview.webp")
    assert [(p["width"], p["height"]) for p in video["posters"]] == [(320, 180)]
    assert video["renditions"] == [{"name": "180p", "width": 320, "height": 180}]
    meta = video["metadata"]
    assert (meta["width"], meta["height"], meta["display_aspect"], meta["rotation"]) == (320, 180, "16:9", 0)
    assert (meta["video_codec"], meta["audio_codec"], meta["has_audio"], meta["frame_rate"]) == ("h264", "aac", True, 25)
    assert meta["bit_rate"] > 0 and meta["loudness"]["input_i"] < 0 and meta["loudness"]["target_i"] == -16
    [track] = video["captions"]
    assert (track["lang"], track["label"], track["kind"], track["source"]) == ("en", "English", "captions", "upload")
    vtt = client.get(track["url"], headers=bearer(tokens["producer"]))
    assert vtt.status_code == 200 and vtt.mimetype == "text/vtt" and vtt.data.startswith(b"WEBVTT")


def test_other_producers_cannot_see_a_video_but_editors_can(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    assert client.get(video["url"], headers=bearer(tokens["other"])).status_code == 404
    assert client.get(video["url"], headers=bearer(tokens["editor"])).status_code == 200


@pytest.mark.parametrize("name, message", [("text", "not a video we can read"), ("truncated", "")])
def test_bad_files_become_failed_videos_with_a_reason(client, tokens, clips, name, message):
    response = upload(client, tokens["producer"], clips[name])
    video = client.get(response.json["url"], headers=bearer(tokens["producer"])).json
    assert video["status"] == "failed" and message in video["error"] and len(video["error"]) > 20
    assert client.get("/healthz").status_code == 200


def test_empty_file_is_refused_at_once(client, tokens, clips):
    response = upload(client, tokens["producer"], clips["empty"])
    assert response.status_code == 400 and response.json["error"]["code"] == "empty_file"


def test_missing_file_and_bad_captions_are_clear_errors(client, tokens, clips):
    response = client.post("/api/videos", data={"title": "x"}, headers=bearer(tokens["producer"]))
    assert response.status_code == 400 and response.json["error"]["code"] == "missing_file"
    response = upload(client, tokens["producer"], clips["clip"], captions=(io.BytesIO(b"garbage"), "c.srt"))
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_captions"


def test_upload_over_the_size_limit_is_413_json(client, tokens):
    big = io.BytesIO(b"\0" * (7 * 1024 * 1024))
    response = client.post("/api/videos", data={"file": (big, "big.mp4")}, headers=bearer(tokens["producer"]))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large" and "5 MB" in response.json["error"]["message"]


def test_editor_overrides_the_poster_by_time_without_retranscoding(ready):
    app, client, tokens = ready.app, ready.client, ready.tokens
    video = ready.video
    mp4 = app.settings.data_dir / "media" / video["id"] / "video.mp4"
    before = mp4.stat().st_mtime_ns
    old_poster = client.get(video["poster_url"], headers=bearer(tokens["producer"])).data
    response = client.post(f"{video['url']}/poster", json={"time": 2.5}, headers=bearer(tokens["producer"]))
    assert response.status_code == 202
    after = client.get(video["url"], headers=bearer(tokens["producer"])).json
    assert after["poster_time"] == 2.5 and after["poster_url"] != video["poster_url"]
    assert after["status"] == "ready" and mp4.stat().st_mtime_ns == before
    new_poster = client.get(after["poster_url"], headers=bearer(tokens["producer"]))
    assert new_poster.status_code == 200 and new_poster.data != old_poster
    assert client.get(video["poster_url"], headers=bearer(tokens["producer"])).status_code == 404


@pytest.mark.parametrize("body", [{"time": -1}, {"time": 99}, {"time": "5"}, {"time": True}, {}])
def test_poster_time_must_be_inside_the_clip(ready, body):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    response = client.post(f"{video['url']}/poster", json=body, headers=bearer(tokens["producer"]))
    assert response.status_code == 400 and "time" in response.json["error"]["message"]


def test_add_caption_track_later(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    response = client.post(f"{video['url']}/captions", headers=bearer(tokens["producer"]),
                           data={"file": (io.BytesIO(b"WEBVTT\n\n00:00.500 --> 00:02.000\nHola\n"), "es.vtt"),
                                 "lang": "es"})
    assert response.status_code == 201 and response.json["label"] == "Español"
    assert len(client.get(video["url"], headers=bearer(tokens["producer"])).json["captions"]) == 2


def test_story_lifecycle_and_article_page(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    editor = bearer(tokens["editor"])
    body = ("First paragraph.\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) <img src=x onerror=alert(1)> "
            '<a href="javascript:alert(1)">x</a>')
    created = client.post("/api/stories", headers=editor, json={
        "headline": "River rises: what we know", "body": body, "byline": "A. Reporter",
        "section": "Top News Video", "video_id": video["id"], "status": "draft"})
    assert created.status_code == 201 and created.json["slug"] == "river-rises-what-we-know"
    page_url = created.json["url"]

    # Drafts and their media are invisible to readers.
    assert client.get(page_url).status_code == 404
    assert client.get(video["mp4_url"]).status_code == 404

    published = client.patch(f"/api/stories/{created.json['id']}", headers=editor, json={"status": "published"})
    assert published.status_code == 200 and published.json["published_at"]
    page = client.get(page_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<a href="/sections/top-news-video">Top News Video</a>' in html and "River rises: what we know" in html
    assert "Watch video below:" in html and 'preload="metadata"' in html and "playsinline" in html
    assert f'poster="{video["poster_url"]}"' in html and f'<source src="{video["mp4_url"]}" type="video/mp4">' in html
    assert f'src="{video["captions"][0]["url"]}"' in html and " default>" in html
    assert "<script>alert" not in html and 'href="javascript:' not in html and "onerror" not in html
    assert html.index("First paragraph.") < html.index("Watch video below:")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")

    # Now public: media is served to anyone, with Range support.
    ranged = client.get(video["mp4_url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.data) == 100 and ranged.mimetype == "video/mp4"
    assert client.get(video["poster_url"]).mimetype == "image/jpeg"


def test_duplicate_headlines_get_distinct_slugs(client, tokens):
    slugs = {client.post("/api/stories", headers=bearer(tokens["editor"]), json={"headline": "Same ¡Headline!"}).json["slug"]
             for _ in range(3)}
    assert slugs == {"same-headline", "same-headline-2", "same-headline-3"}


@pytest.mark.parametrize("payload, field", [
    ({}, "headline"), ({"headline": "  "}, "headline"), ({"headline": 5}, "headline"),
    ({"headline": "ok", "status": "live"}, "status"), ({"headline": "ok", "video_id": "nope"}, "video_id"),
    ({"headline": "ok", "language": "en US"}, "language"), ({"headline": "ok", "language": "<b>"}, "language"),
])
def test_story_validation_names_the_field(client, tokens, payload, field):
    response = client.post("/api/stories", headers=bearer(tokens["editor"]), json=payload)
    assert response.status_code == 400 and field in response.json["error"]["message"]


def test_story_language_is_a_tag_and_null_means_the_default_or_empty(client, tokens):
    created = client.post("/api/stories", headers=bearer(tokens["editor"]), json={"headline": "ok", "language": "pt-BR"})
    story = client.get(f"/api/stories/{created.json['id']}", headers=bearer(tokens["editor"])).json
    assert story["language"] == "pt-BR"
    patched = client.patch(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"]),
                           json={"language": None, "dek": None, "section": None})
    assert patched.status_code == 200, patched.json
    assert (patched.json["language"], patched.json["dek"], patched.json["section"]) == ("en", "", "Top News Video")


def test_non_json_story_body_is_a_json_error(client, tokens):
    response = client.post("/api/stories", headers=bearer(tokens["editor"]), data="{not json",
                           content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"


def test_placeholder_while_the_video_is_processing(app, client, tokens):
    from videodesk.core import db
    from videodesk.core.models import Story, Video
    with app.app_context():
        session = db.session()
        video = Video(title="pending", status="processing")
        session.add(Story(slug="pending", headline="Pending", status="published", video=video))
        session.commit()
    html = client.get("/stories/pending").get_data(as_text=True)
    assert "being prepared" in html and "<video" not in html


@pytest.mark.parametrize("path", [
    "/media/../videodesk.db", "/media/x/..%2f..%2fvideodesk.db", "/media/%2e%2e/secret_key",
    "/media/abc/../../secret_key", "/media/abc/.hidden", "/media/nope/video.mp4",
])
def test_media_paths_outside_the_media_folder_are_unreachable(client, path):
    assert client.get(path).status_code == 404


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_a_database_that_does_not_answer_is_503_unavailable(tmp_path):
    """A PostgreSQL address nothing listens on: the API says "try again" (the document's 503), not 500."""
    app = create_app({"data_dir": tmp_path, "redis_url": None,
                      "database_url": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/videodesk"})
    response = app.test_client().get("/api/videos/k2v7q9x1", headers=bearer("any-token"))
    assert response.status_code == 503 and response.json["error"]["code"] == "unavailable"


@pytest.mark.parametrize("path", ["/api/stories/99999999999999999999", "/studio/stories/2147483648"])
def test_ids_beyond_a_database_integer_are_404(client, tokens, path):
    assert client.get(path, headers=bearer(tokens["editor"])).status_code == 404


def test_reader_404_is_a_page(client):
    response = client.get("/stories/no-such-story")
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.mark.parametrize("name, codec", [("two-languages.mkv", "subrip"), ("two-languages.mp4", "mov_text")])
def test_embedded_subtitle_streams_become_tracks_per_language(client, tokens, tmp_path, name, codec):
    from . import media
    spanish = "1\n00:00:00,500 --> 00:00:02,000\nHola a todos\n"
    english = "1\n00:00:00,500 --> 00:00:02,000\nHello everyone\n"
    source = media.make_with_subtitles(tmp_path / name, {"eng": english, "spa": spanish}, codec)
    response = upload(client, tokens["producer"], source)
    video = client.get(response.json["url"], headers=bearer(tokens["producer"])).json
    assert video["status"] == "ready", video["error"]
    tracks = {t["lang"]: t for t in video["captions"]}
    assert set(tracks) == {"en", "es"} and all(t["source"] == "embedded" for t in tracks.values())
    spanish_vtt = client.get(tracks["es"]["url"], headers=bearer(tokens["producer"])).get_data(as_text=True)
    assert spanish_vtt.startswith("WEBVTT") and "Hola a todos" in spanish_vtt


def test_only_media_types_are_served_inline(ready):
    app, client, tokens = ready.app, ready.client, ready.tokens
    video = ready.video
    folder = app.settings.data_dir / "media" / video["id"]
    (folder / "page.html").write_text("<script>alert(1)</script>")
    auth = bearer(tokens["producer"])
    html = client.get(f"/media/{video['id']}/page.html", headers=auth)
    assert html.headers["Content-Disposition"].startswith("attachment") and html.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(video["mp4_url"], headers=auth).headers["Content-Disposition"].startswith("inline")


def test_delete_removes_the_video_and_its_files(ready):
    app, client, tokens = ready.app, ready.client, ready.tokens
    video = ready.video
    story = client.post("/api/stories", headers=bearer(tokens["editor"]), json={
        "headline": "Loses its clip", "video_id": video["id"], "status": "published"}).json
    folders = [app.settings.data_dir / kind / video["id"] for kind in ("media", "uploads")]
    assert all(folder.exists() for folder in folders)
    assert client.delete(video["url"], headers=bearer(tokens["other"])).status_code == 404
    response = client.delete(video["url"], headers=bearer(tokens["producer"]))
    assert response.status_code == 204 and response.data == b""
    assert not any(folder.exists() for folder in folders)
    assert client.get(video["url"], headers=bearer(tokens["producer"])).status_code == 404
    assert client.get(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"])).json["video_id"] is None
