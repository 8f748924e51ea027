"""Playable in seconds, then the full ladder: real gunicorn, real queue workers, real Chromium.
Clips are cut into 4 s chunks here (VIDEODESK_CHUNK_SECONDS) so a 10 s clip takes the parallel path."""
import signal
import sqlite3

import pytest
import requests

from . import media
from .browser import browser
from .helpers import post_video, video_state
from .servers import Instance, wait_for_video, wait_until

pytestmark = pytest.mark.server

PLAY = """async ([url, rate]) => {
  const video = document.createElement("video");
  video.muted = true; video.playbackRate = rate;
  document.body.appendChild(video);
  let stalls = 0;
  video.addEventListener("waiting", () => { if (video.currentTime > 0.2) stalls += 1; });
  if (url.endsWith(".mp4")) { video.src = url; } else { const hls = new Hls(); hls.loadSource(url); hls.attachMedia(video); }
  await new Promise((ok, fail) => { video.addEventListener("loadedmetadata", ok); video.addEventListener("error", fail); });
  video.playbackRate = rate;
  await video.play();
  await new Promise(ok => video.addEventListener("ended", ok));
  const played = [];
  for (let i = 0; i < video.played.length; i++) played.push([video.played.start(i), video.played.end(i)]);
  return {width: video.videoWidth, height: video.videoHeight, duration: video.duration, played, stalls};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("playable"), VIDEODESK_CHUNK_SECONDS="4", VIDEODESK_JOB_LEASE_S="3",
                        VIDEODESK_WORKERS="1")
    yield instance.serve("producer")
    instance.stop()


def play(site, url: str, rate: float = 4.0) -> dict:
    """Play a media URL to its end in Chromium (hls.js for playlists), signed in by the Bearer token."""
    with browser() as chromium:
        context = chromium.new_context(extra_http_headers=site.headers["producer"])
        page = context.new_page()
        page.goto(site.base + "/healthz")
        page.add_script_tag(url=site.base + "/static/vendor/hls.min.js")
        return page.evaluate(PLAY, [site.base + url, rate])


@pytest.mark.browser
def test_quick_version_plays_while_processing_then_the_full_ladder_replaces_it(site, tmp_path):
    clip = media.make_clip(tmp_path / "news.mp4", seconds=10, rate=25)
    video_id = post_video(site, clip).json()["id"]
    early = wait_until(lambda: (v := video_state(site, video_id))["playable"] and v, timeout=60, interval=0.1,
                       what="the quick version")
    assert early["status"] == "processing", early
    assert early["hls_url"].endswith("/quick/hls/index.m3u8") and early["mp4_url"].endswith("/quick/video.mp4")
    quick = play(site, early["hls_url"])
    assert (quick["width"], quick["height"]) == (320, 180) and quick["duration"] == pytest.approx(10, abs=0.2)

    ready = wait_for_video(site.base, site.headers["producer"], video_id, what="the full ladder")
    assert ready["status"] == "ready" and ready["playable"], site.log_text()
    assert ready["hls_url"].endswith("/hls/master.m3u8") and ready["hls_url"] != early["hls_url"]
    assert ready["mp4_url"] != early["mp4_url"] and ready["poster_url"]
    full = play(site, ready["hls_url"])
    # Three 4 s chunks played as one stream: one played range from start to end, no stall at 4 s or 8 s.
    assert full["stalls"] == 0 and len(full["played"]) == 1, full
    # (hls.js starts at the first buffered frame, a few hundredths in, as with any of our playlists)
    assert full["played"][0][0] < 0.25 and full["played"][0][1] == pytest.approx(10, abs=0.2)
    # The quick files stay for readers who started them before the switch.
    assert requests.get(site.base + early["mp4_url"], headers=site.headers["producer"], timeout=10).status_code == 200


@pytest.mark.browser
def test_stream_copied_rotated_phone_clip_is_upright_in_chromium(site, tmp_path):
    video_id = post_video(site, media.make_rotated_portrait(tmp_path / "phone.mov")).json()["id"]
    early = wait_until(lambda: (v := video_state(site, video_id))["playable"] and v, timeout=60, interval=0.1,
                       what="the quick version")
    assert early["metadata"]["rotation"] and (early["width"], early["height"]) == (180, 320)
    for url in (early["hls_url"], early["mp4_url"]):
        shown = play(site, url, rate=2.0)
        assert shown["width"] < shown["height"], (url, shown)


def _parts(site, video_id) -> dict:
    with sqlite3.connect(site.data_dir / "videodesk.db") as db:
        rows = db.execute("SELECT name, status, attempts FROM ladder_parts WHERE video_id = ?", (video_id,)).fetchall()
    return {name: (status, attempts) for name, status, attempts in rows}


def test_a_worker_killed_during_one_chunk_costs_only_that_chunk(site, tmp_path):
    clip = media.make_clip(tmp_path / "long.mp4", seconds=12, size="640x360")
    video_id = post_video(site, clip).json()["id"]

    def one_done_one_running():
        parts = _parts(site, video_id)
        running = [n for n, (status, _) in parts.items() if status == "running" and n[0].isdigit()]
        return running and any(s == "done" for n, (s, _) in parts.items() if n[0].isdigit()) and (parts, running[0])

    before, killed = wait_until(one_done_one_running, timeout=120, interval=0.05, what="a chunk in progress")
    for worker in site.workers:
        site.stop_process(worker, signal.SIGKILL)
    after = _parts(site, video_id)
    assert after[killed] == ("running", 1)
    done_before = {n for n, (s, _) in before.items() if s == "done"}
    assert all(after[n] == ("done", 1) for n in done_before)

    site.start_worker()  # recovery queues the killed chunk again once its 3 s lease has run out
    video = wait_for_video(site.base, site.headers["producer"], video_id)
    assert video["status"] == "ready", site.log_text()
    final = _parts(site, video_id)
    assert final[killed] == ("done", 2)
    assert all(final[n] == ("done", 1) for n in done_before)
