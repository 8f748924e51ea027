"""Live streams end to end: the real ingest service (nginx with the RTMP module, libsrt), a real
ffmpeg publishing test pictures and speech in real time over RTMP and SRT, the real web server and
worker. A wrong key is refused at connect; a published stream is packaged into live HLS in the
media store; when the encoder stops the stream ends and its recording becomes a ready video."""
import subprocess
from pathlib import Path

import m3u8
import pytest
import requests

from videodesk.media.captions import cues_of

from .browser import browser
from .helpers import bearer
from .media import SPEECH_SCRIPT, SPEECH_VOICE
from .servers import Instance, free_port, wait_until

pytestmark = [pytest.mark.live, pytest.mark.server]
RECONNECT_S = 5


def publish(url: str, seconds: float, *, srt: bool = False, speech: Path | None = None) -> subprocess.Popen:
    """ffmpeg sending test pictures (2 s keyframes, like an encoder set up for live) and sound (a tone,
    or `speech` over and over) in real time."""
    sound = ["-re", "-stream_loop", "-1", "-i", str(speech)] if speech else [
        "-re", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000"]
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
            "testsrc2=size=640x360:rate=25", *sound, "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
            "-tune", "zerolatency", "-g", "50", "-keyint_min", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
            "-f", "mpegts" if srt else "flv", url]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("live") / "data", VIDEODESK_RTMP_PORT=str(free_port()),
                        VIDEODESK_SRT_PORT=str(free_port()), VIDEODESK_LIVE_RECONNECT_S=str(RECONNECT_S))
    instance.flask("db-upgrade")
    instance.start_web()
    instance.start_worker()
    instance.start_ingest()
    token = instance.create_token("producer")
    instance.token = token
    yield instance
    instance.stop()


def api(site, method, path, **kwargs):
    return requests.request(method, site.base + path, headers=bearer(site.token), timeout=10, **kwargs)


def new_stream(site, title="Press conference"):
    response = api(site, "POST", "/api/live", json={"title": title})
    assert response.status_code == 201, response.text
    return response.json()


def stream_state(site, stream):
    return api(site, "GET", stream["url"]).json()


def segments(site, stream) -> list:
    response = api(site, "GET", stream["hls_url"].replace("master.m3u8", "video.m3u8"))
    return m3u8.loads(response.text).segments if response.status_code == 200 else []


def test_a_wrong_key_is_refused_at_connect_over_rtmp_and_srt(live_site):
    rtmp = f"rtmp://127.0.0.1:{live_site.env['VIDEODESK_RTMP_PORT']}/live/not-the-key-at-all-0000"
    srt = f"srt://127.0.0.1:{live_site.env['VIDEODESK_SRT_PORT']}?streamid=not-the-key-at-all-0000"
    for url, is_srt in ((rtmp, False), (srt, True)):
        publisher = publish(url, 10, srt=is_srt)
        assert publisher.wait(timeout=20) != 0, f"{url} was accepted"


@pytest.mark.parametrize("protocol", ["rtmp", "srt"])
def test_a_published_stream_is_live_hls_then_a_recording(live_site, protocol):
    stream = new_stream(live_site, f"Over {protocol}")
    publisher = publish(stream["ingest"][f"{protocol}_url"], 12, srt=protocol == "srt")
    try:
        wait_until(lambda: stream_state(live_site, stream)["status"] == "live", timeout=20, what="status live")
        wait_until(lambda: len(segments(live_site, stream)) >= 2, timeout=30,
                   what=f"two segments in the live playlist ({live_site.log_text()[-2000:]})")
        master = api(live_site, "GET", stream["hls_url"])
        assert master.status_code == 200 and "video.m3u8" in master.text
        playlist = api(live_site, "GET", stream["hls_url"].replace("master.m3u8", "video.m3u8")).text
        assert "#EXT-X-PLAYLIST-TYPE:EVENT" in playlist and "#EXT-X-ENDLIST" not in playlist
        first = segments(live_site, stream)[0]
        base = stream["hls_url"].rsplit("/", 1)[0]
        assert api(live_site, "GET", f"{base}/{first.uri}").status_code == 200
        assert api(live_site, "GET", f"{base}/{first.init_section.uri}").status_code == 200
        assert all(abs(s.duration - 2) < 0.1 for s in segments(live_site, stream)[:-1])
        assert requests.get(live_site.base + stream["hls_url"], timeout=5).status_code == 404  # not public yet
    finally:
        publisher.wait(timeout=30)
    ended = wait_until(lambda: (s := stream_state(live_site, stream))["status"] == "ended" and s, timeout=RECONNECT_S + 20,
                       what="the stream to end after the reconnect window")
    assert ended["ended_reason"] == "The encoder stopped sending and did not come back."
    recording = wait_until(lambda: stream_state(live_site, stream)["video_id"], timeout=60, what="the recording")
    video = wait_until(lambda: (v := api(live_site, "GET", f"/api/videos/{recording}").json())["status"] in
                       ("ready", "failed") and v, timeout=180, what="the recording to be processed")
    assert video["status"] == "ready", video["error"]
    assert 8 <= video["duration"] <= 13 and video["source"]["kind"] == "live"
    playlist = api(live_site, "GET", stream["hls_url"].replace("master.m3u8", "video.m3u8")).text
    assert "#EXT-X-ENDLIST" in playlist


@pytest.mark.browser
def test_the_article_shows_live_soon_then_plays_live_with_dvr_then_the_recording(live_site):
    stream = new_stream(live_site, "Mayor speaks")
    editor = live_site.create_token("editor")
    story = requests.post(live_site.base + "/api/stories", headers=bearer(editor), timeout=10, json={
        "headline": "Live: the mayor speaks", "body": "Follow it live.", "live_id": stream["id"],
        "status": "published"}).json()
    with browser() as chromium:
        page = chromium.new_page()
        page.goto(live_site.base + story["url"])
        assert page.locator(".live-soon").is_visible()
        assert requests.get(live_site.base + stream["hls_url"], timeout=5).status_code in (200, 404)  # public now
        publisher = publish(stream["ingest"]["rtmp_url"], 30)
        try:
            page.wait_for_function("() => document.querySelector('[data-live]').dataset.state === 'live'",
                                   timeout=30_000)
            page.wait_for_function("() => document.querySelector('[data-live] video').currentTime > 10", timeout=40_000)
            assert page.locator(".live-badge").is_visible()
            assert page.locator(".live-back").is_hidden()
            page.evaluate("() => { const v = document.querySelector('[data-live] video'); v.currentTime = 0.5; }")
            page.wait_for_function("() => !document.querySelector('.live-back').hidden", timeout=10_000)
            assert "live-player--behind" in page.locator("[data-live]").get_attribute("class")
            page.click(".live-back")
            page.wait_for_function("() => document.querySelector('.live-back').hidden", timeout=10_000)
        finally:
            publisher.wait(timeout=60)
        page.wait_for_selector("figure[data-player]", timeout=150_000)  # the recording, same URL
        page.wait_for_function("() => document.querySelector('figure[data-player] video').readyState >= 1",
                               timeout=30_000)


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    wav = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", *SPEECH_VOICE, "-w", str(wav), SPEECH_SCRIPT], check=True, timeout=60)
    return wav


def test_live_captions_are_searchable_and_a_clip_cut_while_live_plays_with_them(live_site, speech):
    """Captions (SRT) found by search while live, a clip cut while live around a recognised cue
    (with that cue), and the live captions as the recording's first track. Which words Whisper
    gets depends on how busy the machine is, so the test searches for what it recognised."""
    stream = new_stream(live_site, "Council budget")
    publisher = publish(stream["ingest"]["srt_url"], 40, srt=True, speech=speech)
    try:
        captions_url = stream["hls_url"].replace("master.m3u8", "captions.vtt")
        def first_cue():
            text = api(live_site, "GET", captions_url).text
            return cues_of(text)[0] if "-->" in text else None

        cue = wait_until(first_cue, timeout=90, what="a live cue")
        word = max(cue["text"].split(), key=len).strip(".,!?")
        found = wait_until(lambda: [r for r in api(live_site, "GET", "/api/search", params={"q": word}).json()
                                    ["results"] if r.get("live_id") == stream["id"]], timeout=30,
                           what=f"search to find {word!r} live")
        assert found[0]["video_id"] is None
        state = stream_state(live_site, stream)
        assert state["status"] == "live"
        assert state["captions"][0]["label"] == "English (auto-generated, live)"
        master = api(live_site, "GET", stream["hls_url"]).text
        assert 'TYPE=SUBTITLES' in master and 'NAME="English (auto-generated, live)"' in master
        subtitles = m3u8.loads(api(live_site, "GET", stream["hls_url"].replace("master", "captions")).text)
        assert subtitles.segments and subtitles.segments[0].uri.endswith(".vtt")

        start = max(0, int(cue["start"]) - 1)
        wait_until(lambda: stream_state(live_site, stream)["duration"] >= start + 8, timeout=40, what="the range")
        cut = api(live_site, "POST", f"{stream['url']}/clips", json={"start": start, "end": start + 8})
        assert cut.status_code == 202, cut.text
        clip = wait_until(lambda: (v := api(live_site, "GET", cut.json()["url"]).json())["playable"] and v,
                          timeout=90, what="the live clip to be playable")
        assert clip["clip_of"] == {"live_id": stream["id"], "start": start, "end": start + 8}
        assert 7 <= (clip["duration"] or 8) <= 9
        assert clip["captions"][0]["source"] == "auto"
        assert word.lower() in api(live_site, "GET", clip["captions"][0]["url"]).text.lower()
    finally:
        publisher.wait(timeout=60)
    recording = wait_until(lambda: stream_state(live_site, stream)["video_id"], timeout=90, what="the recording")
    video = api(live_site, "GET", f"/api/videos/{recording}").json()
    assert video["captions"][0]["label"] == "English live captions (auto-generated)"
    assert video["captions"][0]["source"] == "auto"


def test_an_encoder_that_drops_and_reconnects_continues_the_same_event(live_site):
    stream = new_stream(live_site, "Phone on a train")
    publish(stream["ingest"]["rtmp_url"], 8).wait(timeout=30)
    wait_until(lambda: not stream_state(live_site, stream)["connected"], timeout=20, what="the encoder to drop")
    before = len(segments(live_site, stream))
    publisher = publish(stream["ingest"]["srt_url"], 8, srt=True)  # back within the reconnect window
    try:
        wait_until(lambda: stream_state(live_site, stream)["connected"], timeout=20, what="the reconnect")
        wait_until(lambda: len(segments(live_site, stream)) > before + 1, timeout=30, what="segments after it")
        state = stream_state(live_site, stream)
        assert state["status"] == "live"
        playlist = api(live_site, "GET", stream["hls_url"].replace("master.m3u8", "video.m3u8")).text
        assert playlist.count("#EXT-X-DISCONTINUITY") == 1 and playlist.count("#EXT-X-MAP") == 2
    finally:
        publisher.wait(timeout=30)
    recording = wait_until(lambda: stream_state(live_site, stream)["video_id"], timeout=60, what="one recording")
    video = wait_until(lambda: (v := api(live_site, "GET", f"/api/videos/{recording}").json())["status"] in
                       ("ready", "failed") and v, timeout=180, what="the recording to be processed")
    assert video["status"] == "ready" and video["duration"] >= 10  # both connections, one event
