"""Captions follow audio: each spoken-language track gets its own automatic transcript (real Whisper
on espeak-ng speech), searchable; an audio description gets none."""
import subprocess

import pytest

from videodesk.media import whisper_model

from . import media
from .helpers import bearer, make_app, make_tokens, upload

SPANISH = "El alcalde dijo que el puente nuevo abrirá el lunes. Habrá más autobuses el próximo año."


def make_dubbed_speech(folder):
    """English speech (the main, default stream) and a Spanish dub of it, tagged eng/spa."""
    english = media.make_speech_clip(folder / "english.mp4")
    spanish = folder / "spanish.wav"
    subprocess.run(["espeak-ng", "-v", "es", "-s", "130", "-w", str(spanish), SPANISH], check=True, timeout=60)
    dubbed = folder / "dubbed.mkv"
    media.ffmpeg("-i", english, "-i", spanish, "-map", "0:v", "-map", "0:a", "-map", "1:a", "-c:v", "copy",
                 "-c:a", "aac", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=spa",
                 "-disposition:a:0", "default", "-disposition:a:1", "0", dubbed)
    return dubbed


@pytest.fixture
def app(tmp_path, model_data):
    model = str(model_data / "models" / whisper_model.MODEL_NAME)
    return make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5, whisper_model=model)


def test_a_dub_gets_its_own_searchable_transcript_and_a_description_none(app, tmp_path):
    client = app.test_client()
    tokens = make_tokens(app)
    response = upload(client, tokens["producer"], make_dubbed_speech(tmp_path), title="Bridge")
    assert response.status_code == 202, response.json
    video = client.get(response.json["url"], headers=bearer(tokens["producer"])).json
    assert video["status"] == "ready", video
    assert [(t["lang"], t["kind"]) for t in video["audio"]] == [("en", "main"), ("es", "dub")]
    captions = {t["lang"]: t for t in video["captions"]}
    assert set(captions) == {"en", "es"} and {t["source"] for t in captions.values()} == {"auto"}
    assert video["captioning"]["language"] == "en"
    # espeak-ng's Spanish through Whisper base: some words come out a little off, these reliably.
    found = [client.get("/api/search", query_string={"q": word}, headers=bearer(tokens["producer"])).json["results"]
             for word in ("alcalde", "próximo")]
    assert any([r["lang"] for r in results if r["video_id"] == video["id"]] == ["es"] for results in found), found

    # An audio description (English speech too) gets no transcript of its own.
    description = tmp_path / "description.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(description), "A woman walks across a bridge."],
                   check=True, timeout=60)
    media.ffmpeg("-i", description, "-af", f"apad=whole_dur={video['duration']}", tmp_path / "padded.wav")
    added = client.post(f"/api/videos/{video['id']}/audio", headers=bearer(tokens["producer"]),
                        content_type="multipart/form-data",
                        data={"file": (open(tmp_path / "padded.wav", "rb"), "d.wav"), "lang": "en", "kind": "description"})
    assert added.status_code == 201, added.json
    after = client.get(response.json["url"], headers=bearer(tokens["producer"])).json
    assert sorted(t["lang"] for t in after["captions"]) == ["en", "es"]
    assert [t["versions"] for t in after["captions"]] == [t["versions"] for t in video["captions"]]
