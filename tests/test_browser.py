"""The seeded demo article in a real browser: poster first, then the video plays with captions."""
import pytest

from .browser import browser
from .servers import Instance


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("demo"))
    instance.flask("db-upgrade")
    seeded = instance.flask("seed-demo").stdout
    assert "/stories/welcome-to-videodesk" in seeded
    assert instance.flask("seed-demo").stdout == seeded  # idempotent: one demo story
    instance.start_web()
    yield instance
    instance.stop()


def test_demo_article_shows_poster_then_plays_with_captions(demo_site):
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1000, "height": 900})
        problems = []
        page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        failed = []
        # Chromium cancels its first media request once it switches to ranges; that is not a failure.
        page.on("requestfailed", lambda request: request.failure != "net::ERR_ABORTED"
                and failed.append((request.url, request.failure)))

        page.goto(demo_site.base + "/stories/welcome-to-videodesk", wait_until="networkidle")
        assert page.locator("h2", has_text="Watch video below:").is_visible()
        video = page.locator("video")
        poster_url = video.get_attribute("poster")
        assert poster_url and page.evaluate(
            "url => fetch(url).then(r => r.ok && r.headers.get('content-type'))", poster_url) == "image/jpeg"
        assert video.evaluate("v => v.currentTime") == 0 and video.evaluate("v => v.paused")

        video.evaluate("v => { v.muted = true; return v.play(); }")
        page.wait_for_function("() => document.querySelector('video').currentTime > 1.0", timeout=20_000)
        page.wait_for_function("""() => {
            const track = document.querySelector('video').textTracks[0];
            return track && track.mode === 'showing' && track.cues && track.cues.length === 3;
        }""", timeout=10_000)
        assert video.evaluate("v => v.error") is None
        assert not problems and not failed, (problems, failed)


def test_page_is_usable_without_javascript(demo_site):
    with browser() as chromium:
        context = chromium.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(demo_site.base + "/stories/welcome-to-videodesk")
        assert page.locator("video[controls] source[type='video/mp4']").count() == 1
        assert page.locator("nav.share a").count() == 4
        context.close()


def test_studio_shows_processing_progress_live(demo_site, clips):
    import requests

    token = demo_site.flask("create-token", "--role", "producer", "--name", "live").stdout.strip().splitlines()[-1]
    worker = demo_site.start_worker()
    try:
        with browser() as chromium:
            page = chromium.new_page()
            page.goto(demo_site.base + "/studio/login")
            page.fill("#token", token)
            page.click("button[type=submit]")
            upload = requests.post(demo_site.base + "/api/videos", headers={"Authorization": f"Bearer {token}"},
                                   files={"file": ("clip.mp4", open(clips["clip"], "rb"))}, timeout=30).json()
            page.reload()
            row = page.locator(f"tr[data-video-url='{upload['url']}']")
            assert row.get_attribute("data-status") in ("queued", "processing")
            # No reload from here on: studio.js polls the API and updates the row.
            page.wait_for_function(
                "url => document.querySelector(`tr[data-video-url='${url}'] .video-status`).textContent === 'ready'",
                arg=upload["url"], timeout=60_000)
            assert row.locator("progress").is_hidden()
    finally:
        demo_site.stop_process(worker)
