"""One screen to package a story, in Chromium against a real server and worker: a field reporter on a
phone (sign in, upload that survives a reload, write, pick, publish, watch), the desk copying the
embed code onto another origin, and the studio's layout and accessibility at both viewports."""
import http.server
import re
import threading

import pytest
import requests

from . import media
from .browser import browser, serious_accessibility_violations
from .helpers import make_app
from .servers import Instance, wait_for_video

pytestmark = [pytest.mark.browser, pytest.mark.server]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 900}}
PASSWORD = "field reporter password"


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    """A server and a worker, an editor who signs in with a password, and a published story whose
    video (uploaded through the API) is ready: what the desk embeds."""
    from videodesk.auth.passwords import hash_password
    from videodesk.auth.tokens import issue_token
    from videodesk.core import db
    from videodesk.core.models import User

    data = tmp_path_factory.mktemp("field")
    with make_app(data).app_context():
        editor = User(name="reporter", role="editor", password_hash=hash_password(PASSWORD))
        db.session().add(editor)
        token = issue_token(editor)
        db.session().commit()
    site = Instance(data)
    site.headers = {"Authorization": f"Bearer {token}"}
    site.start_web()
    site.start_worker()
    clip = media.make_clip(data / "desk-clip.mp4", seconds=2, frequency=520)
    site.desk_video = requests.post(site.base + "/api/videos", headers=site.headers, timeout=30,
                                    files={"file": (clip.name, clip.open("rb"))}, data={"title": "Desk clip"}).json()
    site.clip = media.make_clip(data / "field-clip.mp4", seconds=2, frequency=640)
    yield site
    site.stop()


@pytest.fixture(scope="module")
def desk_story(newsroom):
    desk = wait_for_video(newsroom.base, newsroom.headers, newsroom.desk_video["id"], what="the desk clip")
    assert desk["status"] == "ready", desk
    story = requests.post(newsroom.base + "/api/stories", headers=newsroom.headers, timeout=10,
                          json={"headline": "Desk story", "body": "Text.", "status": "published",
                                "video_id": newsroom.desk_video["id"]}).json()
    return {"id": story["id"], "video_id": newsroom.desk_video["id"]}


def watch_console(page) -> list:
    """Errors in the page; the spoken-words search may not exist on this server yet (a 404 the picker ignores)."""
    problems = []
    page.on("console", lambda msg: msg.type == "error" and "/api/search" not in (msg.location or {}).get("url", "")
            and "404" not in msg.text and problems.append(msg.text))
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def sign_in(page, base):
    page.goto(base + "/studio/login")
    page.fill("#name", "reporter")
    page.fill("#password", PASSWORD)
    page.click(".password-form button[type=submit]")
    page.wait_for_url(base + "/studio/")


def phone_problems(page) -> list:
    """What makes a page hard on a phone: horizontal scrolling, small touch targets, text that iOS zooms."""
    return page.evaluate("""width => {
        const problems = [];
        // A mobile browser widens the layout viewport (innerWidth) to fit content that overflows.
        if (document.scrollingElement.scrollWidth > innerWidth || innerWidth > width)
            problems.push(`scrolls sideways: ${document.scrollingElement.scrollWidth} in ${innerWidth}`);
        const shown = e => e.offsetParent !== null && !e.closest('.player, [hidden]');
        const targets = 'main button, .studio-nav a, .masthead button, main summary, .file-button, main select, main textarea, ' +
                        'main input:not([type=hidden]):not([type=file]):not([type=checkbox]):not([type=range])';
        for (const e of [...document.querySelectorAll(targets)].filter(shown)) {
            const r = e.getBoundingClientRect();
            if (r.height < 43.5 || r.width < 43.5) problems.push('small target ' + e.outerHTML.slice(0, 70) + ` ${r.width}x${r.height}`);
        }
        for (const e of [...document.querySelectorAll('main input, main textarea, main select')].filter(shown))
            if (parseFloat(getComputedStyle(e).fontSize) < 16) problems.push('small input text ' + e.outerHTML.slice(0, 70));
        if (parseFloat(getComputedStyle(document.querySelector('main')).fontSize) < 16) problems.push('small body text');
        return problems;
    }""", PHONE["viewport"]["width"])


def test_field_reporter_uploads_writes_picks_and_publishes_from_a_phone(newsroom):
    with browser() as chromium:
        context = chromium.new_context(**PHONE)
        page = context.new_page()
        sign_in(page, newsroom.base)
        assert phone_problems(page) == []
        page.goto(newsroom.base + "/studio/stories/new")
        assert page.locator("#files").get_attribute("accept") == "video/*"
        assert page.locator("#video_id").get_attribute("type") == "hidden"

        # The screen locks mid-upload and the phone drops the tab: the bytes never arrive...
        page.route("**/api/uploads/**", lambda route: route.abort() if route.request.method == "PATCH" else route.continue_())
        page.set_input_files("#files", str(newsroom.clip))
        stored = page.wait_for_function("""() => Object.keys(localStorage).filter(k => k.startsWith('tus::'))
                                           .map(k => JSON.parse(localStorage[k]).uploadUrl)[0]""").json_value()
        page.reload()  # (before the connection comes back: the client's own retries would finish the upload)
        page.unroute("**/api/uploads/**")
        # ...and after the reload the same upload goes on where the server has it.
        problems = watch_console(page)
        page.locator(".upload-row[data-status=unfinished]", has_text="field-clip.mp4").wait_for()
        page.set_input_files("#files", str(newsroom.clip))
        row = page.locator(".upload-row[data-video-id]")
        row.wait_for(timeout=30_000)
        assert row.get_attribute("data-resumed-from") == stored
        assert page.locator(".upload-row[data-status=unfinished]").count() == 0
        video_id = row.get_attribute("data-video-id")
        assert page.input_value("#video_id") == video_id  # attached at once

        # Write while it processes; the status is live (no reload).
        page.fill("#headline", "Flooding on Main Street")
        page.fill("#body", "Water rose a metre overnight.\n\nResidents were moved to the school.")
        page.locator(".clip-status").filter(has_text=re.compile(r"Waiting|Processing|Ready")).wait_for()

        # Pick the clip from the picker (by title), as a reporter would after removing a wrong one.
        page.click(".picked-remove")
        assert page.input_value("#video_id") == ""
        page.fill("#picker-q", "field-clip")
        choice = page.locator(f".picker-choice[data-id='{video_id}']")
        choice.click()
        assert choice.get_attribute("aria-pressed") == "true" and page.input_value("#video_id") == video_id
        page.wait_for_selector(".picked[data-playable=true]", timeout=90_000)
        assert re.fullmatch(r"Ready|.* · playable", page.locator(".clip-status").inner_text())
        assert phone_problems(page) == []

        page.check("input[name=publish]")
        page.click(".package-actions button[type=submit]")
        page.wait_for_url(re.compile(r".*/stories/flooding-on-main-street$"))
        assert phone_problems(page) == []
        video = page.locator("video")
        video.evaluate("v => { v.muted = true; return v.play(); }")
        page.wait_for_function("() => { const v = document.querySelector('video'); return v.currentTime > 0 && v.readyState >= 2; }",
                               timeout=20_000)
        assert not problems, problems
        context.close()


class _Partner(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


def test_desk_copies_the_embed_code_and_it_plays_on_another_origin(newsroom, desk_story):
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), _Partner)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with browser() as chromium:
            context = chromium.new_context(**DESK)
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=newsroom.base)
            page = context.new_page()
            problems = watch_console(page)
            sign_in(page, newsroom.base)
            page.goto(f"{newsroom.base}/studio/videos/{desk_story['video_id']}")
            assert page.locator(".used-in a", has_text="Desk story").get_attribute("href") == \
                f"/studio/stories/{desk_story['id']}"
            page.click(".copy-button[data-copy=embed-code]")
            page.locator(".copy-field:has(#embed-code) .copy-state", has_text="Copied").wait_for()
            snippet = page.evaluate("navigator.clipboard.readText()")
            assert snippet == page.input_value("#embed-code") and "padding-top:56.25%" in snippet
            assert not problems, problems

            _Partner.page = (f'<!doctype html><html lang="en"><title>Partner</title><h1>Partner site</h1>'
                             f'<div style="max-width:640px">{snippet}</div></html>').encode()
            partner = context.new_page()
            partner.goto(f"http://127.0.0.2:{server.server_port}/", wait_until="networkidle")
            box = partner.locator("iframe").bounding_box()
            assert abs(box["width"] / box["height"] - 16 / 9) < 0.02
            player = partner.frame_locator("iframe").locator("video")
            player.evaluate("v => { v.muted = true; return v.play(); }")
            player.evaluate("""v => new Promise((resolve, reject) => {
                const check = () => v.currentTime > 0.5 ? resolve() : setTimeout(check, 100);
                setTimeout(() => reject(new Error('did not play')), 20000); check(); })""")
            context.close()
    finally:
        server.shutdown()


# The phone in dark mode and the desk in light mode: both colour schemes are checked.
@pytest.mark.parametrize("device", [{**PHONE, "color_scheme": "dark"}, {**DESK, "color_scheme": "light"}], ids=["phone", "desk"])
def test_studio_pages_fit_and_stay_accessible(newsroom, desk_story, device):
    pages = ["/studio/login", "/studio/", "/studio/upload", "/studio/stories/new", "/studio/stories/{story}",
             "/studio/videos/{video}"]
    found = {}
    with browser() as chromium:
        context = chromium.new_context(bypass_csp=True, **device)  # bypass: the test injects axe-core
        page = context.new_page()
        for path in pages:
            if path == "/studio/stories/new":
                sign_in(page, newsroom.base)
            page.goto(newsroom.base + path.format(story=desk_story["id"], video=desk_story["video_id"]),
                      wait_until="networkidle")
            problems = serious_accessibility_violations(page)
            if device.get("is_mobile"):
                problems += phone_problems(page)
            if problems:
                found[path] = problems
        context.close()
    assert not found, found
