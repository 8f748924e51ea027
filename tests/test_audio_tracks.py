"""Audio tracks on real media: a source with English and Spanish sound streams (different tones) gives
two tracks with the right languages; each rendition in the HLS master decodes to its own tone; an
added audio description is listed with the accessibility characteristic; clips keep every track;
bad files and languages get a clear 400."""
import io
import json
import re
import subprocess
from pathlib import Path

import m3u8
import pytest

from videodesk.auth.tokens import issue_token
from videodesk.core import db
from videodesk.core.languages import sound_name
from videodesk.core.models import User

from . import media
from .helpers import bearer, check_against_document, csrf_from, make_app
from .media import ENGLISH_HZ, SPANISH_HZ, dominant_frequency, make_bilingual, make_tone

DESCRIPTION_HZ, FRENCH_HZ = 660, 330
SECONDS = 4


def assert_tone(source, frequency: int):
    assert abs(dominant_frequency(source) - frequency) < 10, (source, frequency)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """One app (jobs run at once) with an editor and a processed bilingual video."""
    folder = tmp_path_factory.mktemp("audio")
    app = make_app(folder / "data", queue_immediate=True, max_upload_mb=5)
    with app.app_context():
        user = User(name="desk", role="editor")
        db.session().add(user)
        app.token = issue_token(user)
        db.session().commit()
    app.folder = folder
    app.source = make_bilingual(folder / "bilingual.mp4")
    client = app.test_client()
    response = client.post("/api/videos", headers=bearer(app.token), content_type="multipart/form-data",
                           data={"file": (open(app.source, "rb"), "bilingual.mp4"), "title": "Summit"})
    assert response.status_code == 202, response.json
    app.video_id = response.json["id"]
    return app


def get_video(desk) -> dict:
    return desk.test_client().get(f"/api/videos/{desk.video_id}", headers=bearer(desk.token)).json


def media_file(desk, url: str) -> Path:
    """A /media/<id>/<name> URL's file in the local media store."""
    name = url.split(f"/media/{desk.video_id}/", 1)[1]
    return desk.folder / "data" / "media" / desk.video_id / name


def master(desk) -> m3u8.M3U8:
    video = get_video(desk)
    return m3u8.loads(media_file(desk, video["hls_url"]).read_text())


def add_track(desk, path: Path, **fields):
    return desk.test_client().post(f"/api/videos/{desk.video_id}/audio", headers=bearer(desk.token),
                                   content_type="multipart/form-data",
                                   data={"file": (open(path, "rb"), path.name), **fields})


def test_a_bilingual_source_gives_one_track_per_language_each_with_its_own_sound(desk):
    video = get_video(desk)
    assert video["status"] == "ready", video
    check_against_document(desk.test_client(), video)
    tracks = video["audio"]
    # The silent stream and the repeat of the English one are dropped.
    assert [(t["lang"], t["kind"], t["default"]) for t in tracks] == [("en", "main", True), ("es", "dub", False)]
    assert [t["label"] for t in tracks] == ["English", "Español"]
    listed = master(desk)
    audio = [m for m in listed.media if m.type == "AUDIO"]
    assert [(m.language, m.name, m.default, m.autoselect) for m in audio] == [
        ("en", "English", "YES", "YES"), ("es", "Español", "NO", "YES")]
    assert len({m.group_id for m in audio}) == 1
    assert all(variant.stream_info.audio == audio[0].group_id for variant in listed.playlists)
    for track, tone in zip(tracks, (ENGLISH_HZ, SPANISH_HZ)):
        assert_tone(media_file(desk, track["url"]), tone)
    # The MP4 download keeps the main track.
    assert_tone(media_file(desk, video["mp4_url"]), ENGLISH_HZ)


def test_an_added_audio_description_is_offered_with_the_accessibility_characteristic(desk):
    description = make_tone(desk.folder / "description.wav", DESCRIPTION_HZ, SECONDS - 1)  # padded to the picture
    response = add_track(desk, description, lang="en", kind="description")
    assert response.status_code == 201, response.json
    track = response.json
    check_against_document(desk.test_client(), track, "AudioTrack")
    assert (track["lang"], track["kind"], track["default"], track["label"]) == (
        "en", "description", False, "English (audio description)")
    entry = next(m for m in master(desk).media if m.uri == track["url"].split("/hls/", 1)[1])
    assert entry.characteristics == "public.accessibility.describes-video"
    assert (entry.language, entry.autoselect, entry.default) == ("en", "NO", "NO")
    assert_tone(media_file(desk, track["url"]), DESCRIPTION_HZ)
    rendition = media_file(desk, track["url"])
    length = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                   str(rendition)], capture_output=True, text=True, check=True).stdout)
    assert abs(length - SECONDS) < 0.1


def test_a_dub_taken_from_a_video_file_and_removed_again(desk):
    dub = media.make_variant(desk.folder / "french.mp4", "-c:v", "libx264", "-c:a", "aac", seconds=SECONDS)
    # make_variant's tone is 440 Hz; a separate French tone proves which stream was used.
    french = desk.folder / "french-330.mp4"
    media.ffmpeg("-i", dub, "-f", "lavfi", "-i", f"sine=frequency={FRENCH_HZ}:duration={SECONDS}",
                 "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", french)
    response = add_track(desk, french, lang="fr", kind="dub", label="Français (doublage)")
    assert response.status_code == 201, response.json
    track = response.json
    assert_tone(media_file(desk, track["url"]), FRENCH_HZ)
    assert "fr" in [m.language for m in master(desk).media]
    folder = media_file(desk, track["url"]).parent
    removed = desk.test_client().delete(f"/api/videos/{desk.video_id}/audio/{track['id']}", headers=bearer(desk.token))
    assert removed.status_code == 204
    assert "fr" not in [m.language for m in master(desk).media]
    assert not folder.exists()
    assert [t["lang"] for t in get_video(desk)["audio"]] == ["en", "es", "en"]


@pytest.mark.parametrize("case", ["text", "silent-video", "too-short", "bad-lang", "bad-kind", "no-lang"])
def test_bad_files_and_fields_get_a_clear_400(desk, case):
    folder = desk.folder
    fields = {"lang": "es", "kind": "dub"}
    if case == "text":
        path = folder / "notes.wav"
        path.write_text("not audio at all\n" * 50)
    elif case == "silent-video":
        path = media.make_clip(folder / "no-sound.mp4", seconds=2, audio=False)
    elif case == "too-short":
        path = make_tone(folder / "short.wav", 500, 0.5)
    else:
        path = make_tone(folder / "fine.wav", 500, SECONDS)
        fields = {"bad-lang": {"lang": "spanish!", "kind": "dub"}, "bad-kind": {"lang": "es", "kind": "karaoke"},
                  "no-lang": {"kind": "dub"}}[case]
    response = add_track(desk, path, **fields)
    assert response.status_code == 400, response.json
    error = response.json["error"]
    expected = {"text": "invalid_audio", "silent-video": "invalid_audio", "too-short": "invalid_audio",
                "bad-lang": "invalid_field", "bad-kind": "invalid_field", "no-lang": "missing_field"}[case]
    assert error["code"] == expected and error["message"]
    assert len(get_video(desk)["audio"]) >= 2


def test_the_default_track_cannot_be_removed(desk):
    main = get_video(desk)["audio"][0]
    response = desk.test_client().delete(f"/api/videos/{desk.video_id}/audio/{main['id']}", headers=bearer(desk.token))
    assert response.status_code == 409, response.json


def test_adding_to_a_missing_track_or_video_is_404(desk):
    client = desk.test_client()
    assert client.delete(f"/api/videos/{desk.video_id}/audio/99999", headers=bearer(desk.token)).status_code == 404
    wav = make_tone(desk.folder / "any.wav", 500, SECONDS)
    response = client.post("/api/videos/nope/audio", headers=bearer(desk.token), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(wav.read_bytes()), "a.wav"), "lang": "es", "kind": "dub"})
    assert response.status_code == 404


def track_tones(desk, video_id: str) -> list:
    """(lang, kind, tone heard) of each audio track of a video."""
    video = desk.test_client().get(f"/api/videos/{video_id}", headers=bearer(desk.token)).json
    assert video["status"] == "ready", video
    tones = []
    for track in video["audio"]:
        name = track["url"].split(f"/media/{video_id}/", 1)[1]
        tones.append((track["lang"], track["kind"], round(dominant_frequency(
            desk.folder / "data" / "media" / video_id / name) / 10) * 10))
    return tones


def test_a_clip_keeps_every_audio_track_including_added_ones(desk):
    response = desk.test_client().post(f"/api/videos/{desk.video_id}/clips", headers=bearer(desk.token),
                                       json={"start": 1.0, "end": 3.0})
    assert response.status_code == 202, response.json
    assert track_tones(desk, response.json["id"]) == [
        ("en", "main", ENGLISH_HZ), ("es", "dub", SPANISH_HZ), ("en", "description", DESCRIPTION_HZ)]


def test_a_trim_keeps_every_audio_track_in_sync_with_the_picture(desk):
    client = desk.test_client()
    clip = client.post(f"/api/videos/{desk.video_id}/clips", headers=bearer(desk.token), json={"start": 0, "end": 4})
    clip_id = clip.json["id"]
    trimmed = client.post(f"/api/videos/{clip_id}/trim", headers=bearer(desk.token), json={"start": 1.0, "end": 3.5})
    assert trimmed.status_code == 202, trimmed.json
    assert track_tones(desk, clip_id) == [
        ("en", "main", ENGLISH_HZ), ("es", "dub", SPANISH_HZ), ("en", "description", DESCRIPTION_HZ)]
    video = client.get(f"/api/videos/{clip_id}", headers=bearer(desk.token)).json
    description = desk.folder / "data" / "media" / clip_id / video["audio"][2]["url"].split(f"/media/{clip_id}/", 1)[1]
    length = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                   str(description)], capture_output=True, text=True, check=True).stdout)
    assert abs(length - 2.5) < 0.1


def test_the_watch_page_and_embed_say_which_languages_exist_and_the_video_object_names_them(desk):
    client = desk.test_client()
    story = client.post("/api/stories", headers=bearer(desk.token), json={
        "headline": "Summit", "body": "Leaders met.", "video_id": desk.video_id, "status": "published",
        "language": "fr"})
    assert story.status_code == 201, story.json
    for path in (f"/videos/{desk.video_id}", f"/embed/{desk.video_id}"):
        page = client.get(path).get_data(as_text=True)
        assert 'class="player-languages"' in page and ">Español</span>" in page, path
        assert 'class="audio-select"' in page and 'data-lang="es" data-kind="dub"' in page
    page = client.get(f"/videos/{desk.video_id}").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["inLanguage"] == "en"  # the video's own sound, not the story's language
    assert [(a["inLanguage"], a["name"]) for a in data["audio"]][:2] == [("en", "English"), ("es", "Español")]
    described = ("en", "English (audio description)") in [(a["inLanguage"], a["name"]) for a in data["audio"]]
    assert data.get("accessibilityFeature") == (["audioDescription"] if described else None)


def test_a_language_mp4_on_request_and_a_social_cut_speak_the_chosen_language(desk):
    client = desk.test_client()
    spanish = next(t for t in get_video(desk)["audio"] if t["lang"] == "es")
    assert spanish["mp4_url"] is None
    response = client.post(f"/api/videos/{desk.video_id}/audio/{spanish['id']}/mp4", headers=bearer(desk.token))
    assert response.status_code == 202, response.json
    video = get_video(desk)
    check_against_document(client, video)
    spanish = next(t for t in video["audio"] if t["lang"] == "es")
    mp4 = media_file(desk, spanish["mp4_url"])
    assert_tone(mp4, SPANISH_HZ)
    assert media.frame_count(mp4) == media.frame_count(media_file(desk, video["mp4_url"]))
    cut = client.post(f"/api/videos/{desk.video_id}/social-cut", headers=bearer(desk.token),
                      json={"aspect": "1:1", "lang": "es"})
    assert cut.status_code == 202, cut.json
    assert_tone(media_file(desk, get_video(desk)["social_cuts"]["1:1"]), SPANISH_HZ)


def test_the_studio_video_page_lists_the_audio_tracks_with_the_player_menu(desk):
    client = desk.test_client()
    token = csrf_from(client.get("/studio/login").get_data(as_text=True))
    assert client.post("/studio/login", data={"token": desk.token, "csrf_token": token}).status_code == 302
    page = client.get(f"/studio/videos/{desk.video_id}").get_data(as_text=True)
    assert 'class="audio-list"' in page and "Español (es, dub)" in page and "English (en, main, default)" in page
    assert 'class="audio-select"' in page


def test_an_untagged_sound_stream_is_offered_as_the_original_sound():
    """A stream without a language tag ('und') is not shown to readers as a code."""
    assert sound_name("und") == "Original sound"
    assert sound_name("es") == "Español"
