"""A long recording transcribed in parts cut at pauses (several workers' share of it), merged in
order: the real Whisper model on espeak-ng speech, the jobs run where they are sent."""
import logging
import re

import pytest

from videodesk.core import db
from videodesk.core.models import TranscriptPart
from videodesk.media import pipeline, whisper_model
from videodesk.media.speech import SAMPLE_RATE, part_bounds

from . import media
from .helpers import bearer, make_app, make_tokens, upload

FIRST = "The port captain opened the eastern gate at dawn."
MIDDLE = "The harbour master counted forty ships in the bay."
LAST = "Fishermen celebrated a record catch of silver herring."


def _speech(*stretches) -> list[dict]:
    return [{"start": int(start * SAMPLE_RATE), "end": int(end * SAMPLE_RATE)} for start, end in stretches]


def test_parts_are_cut_in_the_longest_pause_near_each_target():
    # Pauses at 55-55.4 s and 58-60 s: the longer one, within a quarter part of 60 s, wins.
    chunks = _speech((0, 55), (55.4, 58), (60, 118), (118.2, 150))
    assert part_bounds(chunks, 150.0, 60.0) == [(0.0, 59.0), (59.0, 118.1), (118.1, 150.0)]
    # Speech without a pause near the target: cut at the target; short recordings stay whole.
    assert part_bounds(_speech((0, 200)), 200.0, 60.0) == [(0.0, 60.0), (60.0, 120.0), (120.0, 200.0)]
    assert part_bounds(_speech((0, 100)), 100.0, 60.0) == [(0.0, 100.0)]
    assert part_bounds(_speech((0, 100)), 100.0, 0.0) == [(0.0, 100.0)]


def test_a_long_recording_is_transcribed_in_parts_and_merged_in_order(tmp_path, model_data, caplog):
    app = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5, transcript_part_s=4.5,
                   whisper_model=str(model_data / "models" / whisper_model.MODEL_NAME))
    client, tokens = app.test_client(), make_tokens(app)
    clip = media.make_speech_clip(tmp_path / "briefing.mp4", f"{FIRST} {MIDDLE} {LAST}")
    with caplog.at_level(logging.INFO, logger="videodesk.jobs.transcription"):
        url = upload(client, tokens["producer"], clip).json["url"]
    video = client.get(url, headers=bearer(tokens["producer"])).json
    assert video["captioning"]["status"] == "done", video["captioning"]
    assert video["captioning"]["transcribed_until"] == pytest.approx(video["duration"], abs=0.1)
    planned = [int(n) for n in re.findall(rf"captions for video {video['id']}: (\d+) parts", caplog.text)]
    assert planned and planned[0] >= 3, caplog.text
    assert len(re.findall(r"transcript part \d+ done", caplog.text)) == planned[0]

    [track] = [t for t in video["captions"] if t["source"] == "auto"]
    vtt = client.get(track["url"], headers=bearer(tokens["producer"])).get_data(as_text=True)
    spoken = " ".join(line for line in vtt.splitlines()[1:] if line and "-->" not in line).lower()
    order = [spoken.find(word) for word in ("captain", "ships", "herring")]
    assert -1 not in order and order == sorted(order), spoken
    [hit] = [r for r in client.get("/api/search?q=silver+herring", headers=bearer(tokens["producer"])).json["results"]
             if r["video_id"] == video["id"]]
    assert hit["start"] > video["duration"] / 2  # on the recording's timeline, not the part's
    with app.app_context():
        assert db.session().query(TranscriptPart).count() == 0  # merged: the parts' rows go
    assert not (tmp_path / "data" / "uploads" / video["id"] / "work" / pipeline.SPEECH_SOUND).exists()
