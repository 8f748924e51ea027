"""Breaking news, quote to clip (docs/CAPTIONS.md, docs/EDITING.md): a real gunicorn, a real worker and
the real Whisper model. Captions start right after the probe and grow, so search finds the first
sentences while the later ones are still being transcribed; a clip of the processing video plays
before its parent is ready and carries the parent's cues of its range, shifted to start at 0;
interactive jobs go before queued ladder parts."""
import sqlite3

import pytest
import requests

from videodesk.media import whisper_model

from . import media
from .helpers import post_video, video_state
from .servers import Instance, wait_for_video

pytestmark = pytest.mark.server

FIRST = "The port captain opened the eastern gate at dawn."
LAST = "Fishermen celebrated a record catch of silver herring."
# About 80 s of espeak-ng speech: Whisper decodes it in three 30 s windows, one after the other.
SCRIPT = " ".join([FIRST, *[media.SPEECH_SCRIPT] * 4, LAST])


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return media.make_speech_clip(tmp_path_factory.mktemp("quote") / "briefing.mp4", SCRIPT)


@pytest.fixture(scope="module")
def site(tmp_path_factory, model_data):
    instance = Instance(tmp_path_factory.mktemp("quote-site"), VIDEODESK_CHUNK_SECONDS="8",
                        VIDEODESK_WHISPER_MODEL=str(model_data / "models" / whisper_model.MODEL_NAME))
    yield instance.serve("producer")
    instance.stop()


def search(site, q):
    response = requests.get(site.base + "/api/search", params={"q": q}, headers=site.headers["producer"], timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def captions_of(site, video_id) -> list[dict]:
    response = requests.get(f"{site.base}/api/videos/{video_id}/captions?cues=1", headers=site.headers["producer"],
                            timeout=10)
    return response.json()["captions"]


@pytest.mark.timeout(900)  # Whisper on 80 s of speech and a ladder: minutes on a shared 2-core machine
def test_a_quote_is_found_and_clipped_while_the_video_is_still_processed(site, speech):
    response = post_video(site, speech)
    assert response.status_code == 202, response.text
    video_id = response.json()["id"]
    producer = site.headers["producer"]
    try:  # (the transcript grows: the wait follows captioning.transcribed_until)
        wait_for_video(site.base, producer, video_id, done=lambda video: search(site, "captain opened the eastern gate"),
                       what="the first sentence to be searchable")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{site.log_text()}") from None
    [hit] = search(site, "captain opened the eastern gate")
    parent = video_state(site, video_id)
    captioning = parent["captioning"]
    # Found while the later part is still being transcribed, and before the ladder is ready.
    assert captioning["status"] == "running" and captioning["transcribed_until"] < parent["duration"] - 10, parent
    assert parent["status"] == "processing" and [t["source"] for t in parent["captions"]] == ["auto"]
    assert search(site, "silver herring") == []

    start, end = max(0.0, hit["start"] - 0.5), hit["end"] + 1.0
    clip = requests.post(f"{site.base}/api/videos/{video_id}/clips", json={"start": start, "end": end},
                         headers=site.headers["producer"], timeout=10)
    assert clip.status_code == 202, clip.text
    clip_id = clip.json()["id"]
    playable = wait_for_video(site.base, producer, clip_id, done=lambda video: video["playable"] or video["error"],
                              what="the clip to play")
    assert playable["playable"], playable
    assert video_state(site, video_id)["status"] == "processing"
    assert requests.get(site.base + playable["mp4_url"], headers=site.headers["producer"], timeout=10).ok
    wait_for_video(site.base, producer, clip_id, done=lambda video: captions_of(site, clip_id), what="the clip's captions")
    [track] = captions_of(site, clip_id)
    assert track["source"] == "auto" and track["lang"] == "en"
    words = " ".join(cue["text"] for cue in track["cues"]).lower()
    assert "captain" in words or "gate" in words, track
    assert track["cues"][0]["start"] == pytest.approx(hit["start"] - start, abs=0.01)

    ready = wait_for_video(site.base, producer, video_id, what="the parent")
    assert ready["status"] == "ready", ready
    assert ready["captioning"]["status"] == "done"
    assert ready["captioning"]["transcribed_until"] == pytest.approx(ready["duration"], abs=0.5)
    assert search(site, "silver herring")[0]["video_id"] == video_id
    assert video_state(site, clip_id)["captioning"]["status"] == "done"


@pytest.mark.timeout(600)  # a ladder in nine parts on one worker thread of a shared 2-core machine
def test_interactive_jobs_go_before_queued_ladder_parts_on_one_worker(tmp_path):
    """One worker thread, a ladder in eight 4 s parts and the sound: a clip asked for once the parts
    are queued is cut and made playable while most of them still wait; its own ladder is bulk work
    too, queued behind them."""
    site = Instance(tmp_path / "site", VIDEODESK_CHUNK_SECONDS="4", VIDEODESK_WORKERS="1")
    source = media.make_clip(tmp_path / "long.mp4", seconds=32, size="640x360", audio=False)
    try:
        site.serve("producer")
        producer = site.headers["producer"]
        video_id = post_video(site, source).json()["id"]
        wait_for_video(site.base, producer, video_id, done=lambda video: len(parts(site, video_id)) >= 8,
                       what="the ladder parts to be queued")
        clip = requests.post(f"{site.base}/api/videos/{video_id}/clips", json={"start": 1, "end": 2.5},
                             headers=producer, timeout=10)
        assert clip.status_code == 202, clip.text
        clip_id = clip.json()["id"]
        made = wait_for_video(site.base, producer, clip_id, done=lambda video: video["playable"] and parts(site, clip_id),
                              what="the clip to be playable and its ladder queued")
        assert made["status"] == "processing", made
        waiting = [name for name, status in parts(site, video_id).items() if status == "queued"]
        assert len(waiting) >= 4, parts(site, video_id)
        assert parts(site, clip_id) == {"assemble": "queued"}
        assert wait_for_video(site.base, producer, video_id, what="the ladder")["status"] == "ready"
        assert wait_for_video(site.base, producer, clip_id, what="the clip's ladder")["status"] == "ready"
        assert parts(site, clip_id) == {"assemble": "done"}
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{site.log_text()}") from None
    finally:
        site.stop()


def parts(site, video_id) -> dict:
    with sqlite3.connect(site.data_dir / "videodesk.db") as db:
        return dict(db.execute("SELECT name, status FROM ladder_parts WHERE video_id = ?", (video_id,)).fetchall())
