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
