"""The reader's and the producer's pages in a real browser (Debian's Chromium via Playwright)."""
import http.server
import re
import threading

import pytest
import requests

from . import media
from .browser import browser, serious_accessibility_violations, sign_in
from .servers import Instance, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]

SPANISH = "WEBVTT\n\n00:00:00.500 --> 00:00:04.000\nBienvenidos a videodesk.\n"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("demo"))
    instance.flask("db-upgrade")
    seeded = instance.flask("seed-demo").stdout
    assert "/stories/welcome-to-videodesk" in seeded
    assert instance.flask("seed-demo").stdout == seeded  # idempotent: one demo story
    instance.start_web()
    editor = instance.create_token("editor", "desk")
    instance.editor_token = editor
    instance.editor_headers = {"Authorization": f"Bearer {editor}"}
    # oEmbed names the video without rendering (and caching) the article before the track is added.
    oembed = requests.get(instance.base + "/oembed", timeout=10,
                          params={"url": instance.base + "/stories/welcome-to-videodesk"}).json()
    instance.video_id = re.search(r"/embed/([a-z0-9]+)", oembed["html"]).group(1)
    added = requests.post(f"{instance.base}/api/videos/{instance.video_id}/captions", timeout=10,
                          headers={"Authorization": f"Bearer {editor}"}, data={"lang": "es"},
                          files={"file": ("es.vtt", SPANISH.encode())})
    assert added.status_code == 201
    yield instance
    instance.stop()


def sign_in_with_password(page, base, name, password):
    page.goto(base + "/studio/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click(".password-form button[type=submit]")
    page.wait_for_url(base + "/studio/")


def watch_console(page) -> list:
    problems = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # Chromium cancels its first media request once it switches to ranges; that is not a failure.
    page.on("requestfailed", lambda request: request.failure != "net::ERR_ABORTED"
            and problems.append((request.url, request.failure)))
    return problems


def test_article_plays_hls_with_captions_menu_keyboard_and_storyboard(demo_site):
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1000, "height": 900})
        problems = watch_console(page)
        page.goto(demo_site.base + "/stories/welcome-to-videodesk", wait_until="networkidle")
        assert page.locator("h2", has_text="Watch video below:").is_visible()
        figure, video = page.locator("figure[data-player]"), page.locator("video")

        # The poster shows before play; the layout box is reserved from width/height (no shift).
        poster_url = video.get_attribute("poster")
        assert page.evaluate("url => fetch(url).then(r => r.headers.get('content-type'))", poster_url) == "image/jpeg"
        assert video.evaluate("v => v.paused && v.currentTime === 0")
        box = video.bounding_box()
        assert abs(box["width"] / box["height"] - 16 / 9) < 0.02

        # Streaming is HLS (native or hls.js), not the MP4 fallback.
        page.wait_for_function("() => document.querySelector('figure[data-player]').dataset.engine")
        assert figure.get_attribute("data-engine") in ("native-hls", "hls.js")

        # Keyboard: the player takes "k" to play, "m" to mute.
        video.focus()
        page.keyboard.press("m")
        assert video.evaluate("v => v.muted")
        page.keyboard.press("k")
        page.wait_for_function("() => document.querySelector('video').currentTime > 1.0", timeout=20_000)

        # English (the story's language) is shown by default and a cue becomes active.
        page.wait_for_function("""() => {
            const t = document.querySelector('video').textTracks;
            return t[0].mode === 'showing' && t[0].activeCues && t[0].activeCues.length > 0;
        }""", timeout=10_000)
        # The captions menu switches language; "c" turns captions off and on again.
        page.select_option(".captions-select", label="Español")
        assert video.evaluate("v => [v.textTracks[0].mode, v.textTracks[1].mode]") == ["disabled", "showing"]
        video.focus()
        page.keyboard.press("c")
        assert video.evaluate("v => [...v.textTracks].every(t => t.mode !== 'showing')")
        page.keyboard.press("c")
        assert video.evaluate("v => v.textTracks[1].mode") == "showing"

        # Scrubbing shows a storyboard thumbnail.
        scrub = page.locator(".scrub-range")
        scrub.scroll_into_view_if_needed()
        box = scrub.bounding_box()
        scrub.hover(position={"x": box["width"] * 0.6, "y": box["height"] / 2})
        page.wait_for_function("() => getComputedStyle(document.querySelector('.scrub-preview')).backgroundImage.includes('storyboard.jpg')")
        assert video.evaluate("v => v.error") is None
        assert not problems, problems

    # The player's beacons were counted (anonymously) for the studio, within the web process's
    # write interval (VIDEODESK_ANALYTICS_FLUSH_S).
    wait_until(lambda: requests.get(f"{demo_site.base}/api/videos/{demo_site.video_id}", headers=demo_site.editor_headers,
                                    timeout=10).json()["watch"].get("play", 0) >= 1, timeout=20, what="the play to be counted")


class _OtherOrigin(http.server.SimpleHTTPRequestHandler):
    page = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


def test_embed_plays_in_an_iframe_of_another_origin(demo_site):
    _OtherOrigin.page = (f'<!doctype html><title>Partner</title><h1>Partner site</h1>'
                         f'<iframe src="{demo_site.base}/embed/{demo_site.video_id}" width="640" height="400" '
                         f'title="Video" allow="autoplay; fullscreen"></iframe>').encode()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OtherOrigin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with browser() as chromium:
            page = chromium.new_page()
            problems = watch_console(page)
            page.goto(f"http://127.0.0.1:{server.server_port}/", wait_until="networkidle")
            frame = page.frame_locator("iframe")
            frame.locator("video").evaluate("v => { v.muted = true; return v.play(); }")
            frame.locator("video").evaluate("""v => new Promise((resolve, reject) => {
                const check = () => v.currentTime > 1 ? resolve(v.currentTime) : setTimeout(check, 100);
                setTimeout(() => reject(new Error('did not play')), 20000); check(); })""")
            assert frame.locator(".embed-title a").get_attribute("href").endswith("/stories/welcome-to-videodesk")
            assert not problems, problems
    finally:
        server.shutdown()


@pytest.mark.parametrize("path", ["/stories/welcome-to-videodesk", "/", "/embed/{video_id}", "/studio/login"])
def test_pages_have_no_serious_accessibility_violations(demo_site, path):
    with browser() as chromium:
        context = chromium.new_context(bypass_csp=True)  # lets the test inject axe-core
        page = context.new_page()
        page.goto(demo_site.base + path.format(video_id=demo_site.video_id), wait_until="networkidle")
        serious = serious_accessibility_violations(page)
        assert not serious, serious
        context.close()


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

    token = demo_site.create_token("producer", "live")
    worker = demo_site.start_worker()
    try:
        with browser() as chromium:
            page = chromium.new_page()
            sign_in(page, demo_site.base, token)
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




def test_sign_in_upload_write_attach_publish_and_read(demo_site, tmp_path):
    """The newsroom flow in one browser: password sign-in, tus upload of two files, processing,
    a story with the video, publishing, the public page."""
    demo_site.flask("create-token", "--role", "editor", "--name", "uploader")
    demo_site.flask("set-password", "--name", "uploader", "--password", "a long enough password")
    # Fresh clips: a file already in the library would be offered as a duplicate instead.
    files = [media.make_clip(tmp_path / f"take{n}.mp4", seconds=2, frequency=300 + 100 * n) for n in (1, 2)]
    worker = demo_site.start_worker()
    try:
        with browser() as chromium:
            page = chromium.new_page()
            problems = watch_console(page)
            sign_in_with_password(page, demo_site.base, "uploader", "a long enough password")
            page.goto(demo_site.base + "/studio/upload")
            assert "Up to" in page.locator("#limits").inner_text()
            page.set_input_files("#files", [str(path) for path in files])
            rows = page.locator(".upload-row")
            page.wait_for_function("() => [...document.querySelectorAll('.upload-row')].length === 2 && "
                                   "[...document.querySelectorAll('.upload-row progress')].every(p => p.value === 1)",
                                   timeout=30_000)
            page.wait_for_function("() => [...document.querySelectorAll('.upload-row')].every(r => r.dataset.status === 'ready')",
                                   timeout=90_000)
            link = rows.first.locator("a", has_text="Write a story with this video")
            assert "video_id=" in link.get_attribute("href")
            # The story form picks the video up and publishes it.
            link.click()
            page.fill("#headline", "Uploaded from the studio")
            page.check("input[name=publish]")
            page.click(".story-form button[type=submit]")
            page.wait_for_url(re.compile(r".*/stories/uploaded-from-the-studio$"))
            assert page.locator("video").count() == 1
            assert not problems, problems
    finally:
        demo_site.stop_process(worker)


def test_caption_editor_edits_splits_shifts_and_saves_a_new_version(demo_site):
    captions_api = f"{demo_site.base}/api/videos/{demo_site.video_id}/captions?cues=1"
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1200, "height": 1000})
        problems = watch_console(page)
        sign_in(page, demo_site.base, demo_site.editor_token)
        page.goto(f"{demo_site.base}/studio/videos/{demo_site.video_id}/captions/en")
        page.wait_for_selector(".caption-editor[data-loaded]")
        assert page.locator(".cue-text").count() == 3
        page.locator(".cue-text").nth(0).fill("Welcome to videodesk, edited.")
        page.locator(".cue-table tbody tr").nth(1).locator("button", has_text="Split").click()
        assert page.locator(".cue-text").count() == 4
        page.fill(".shift-by", "0.5")
        page.click(".shift-all")
        page.locator(".cue-table tbody tr").nth(3).locator("button", has_text="Play").click()
        page.wait_for_function("() => document.querySelector('.editor-video').currentTime >= 5")
        page.click(".save")
        page.wait_for_selector(".caption-editor[data-saved='2']")
        assert "Saved as version 2" in page.locator(".save-state").inner_text()
        assert not problems, problems
    english = next(t for t in requests.get(captions_api, headers=demo_site.editor_headers, timeout=10).json()["captions"]
                   if t["lang"] == "en")
    assert english["versions"] == 2 and len(english["cues"]) == 4
    assert english["cues"][0] == {"start": 1.0, "end": 3.5, "text": "Welcome to videodesk, edited."}


def test_studio_makes_a_vertical_social_cut_to_download(demo_site):
    worker = demo_site.start_worker()
    try:
        with browser() as chromium:
            page = chromium.new_page()
            problems = watch_console(page)
            sign_in(page, demo_site.base, demo_site.editor_token)
            page.goto(f"{demo_site.base}/studio/videos/{demo_site.video_id}")
            box = page.locator(".social-cut[data-aspect='9:16']")
            box.locator(".make-cut").click()
            box.locator(".download-cut:not([hidden])").wait_for(timeout=60_000)
            href = box.locator(".download-cut").get_attribute("href")
            assert re.search(r"/social-9x16-[a-z0-9]{16}\.mp4$", href)
            size = page.evaluate("url => fetch(url).then(r => r.ok && r.headers.get('content-type'))", href)
            assert size == "video/mp4"
            assert not problems, problems
    finally:
        demo_site.stop_process(worker)


@pytest.fixture(scope="module")
def a11y_admin(demo_site):
    demo_site.flask("create-token", "--role", "admin", "--name", "a11y-admin")
    demo_site.flask("set-password", "--name", "a11y-admin", "--password", "accessible password")
    return "a11y-admin", "accessible password"


@pytest.mark.parametrize("path", ["/studio/", "/studio/upload", "/studio/dashboard", "/studio/videos/{video_id}",
                                  "/studio/videos/{video_id}/captions/en", "/studio/stories/new", "/studio/users"])
def test_studio_pages_have_no_serious_accessibility_violations(demo_site, a11y_admin, path):
    with browser() as chromium:
        context = chromium.new_context(bypass_csp=True)
        page = context.new_page()
        sign_in_with_password(page, demo_site.base, *a11y_admin)
        page.goto(demo_site.base + path.format(video_id=demo_site.video_id), wait_until="networkidle")
        serious = serious_accessibility_violations(page)
        assert not serious, serious
        context.close()
