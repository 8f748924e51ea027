"""`make screenshot`: the demo article, and the studio's story editor at a desk and on a phone, from a
fresh demo instance photographed in headless Chromium."""
import sys
import tempfile
from pathlib import Path

from .browser import browser
from .servers import Instance

DOCS = Path("docs")
STUDIO_SHOTS = {  # file: (browser context options, full page?)
    "screenshot-studio-desk.png": ({"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}, False),
    "screenshot-studio-phone.png": ({"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
                                     "is_mobile": True, "has_touch": True}, False),
}


def studio_editor(chromium, site, token, context_options, target, full_page):
    """The demo story in the editor, its clip picked (signed in with an editor's API token)."""
    context = chromium.new_context(**context_options)
    page = context.new_page()
    page.goto(site.base + "/studio/login")
    page.click(".token-signin summary")
    page.fill("#token", token)
    page.click(".token-signin button[type=submit]")
    page.wait_for_url(site.base + "/studio/")
    page.goto(site.base + "/studio/stories/1", wait_until="networkidle")
    if context_options.get("is_mobile"):  # the phone shows the video panel: what a reporter checks in the field
        page.locator(".picker").scroll_into_view_if_needed()
        page.evaluate("scrollBy(0, -80)")
    page.screenshot(path=target, full_page=full_page)
    context.close()


def main(article_target: str):
    with tempfile.TemporaryDirectory() as data:
        site = Instance(Path(data))
        site.flask("db-upgrade")
        site.flask("seed-demo")
        token = site.create_token("editor", "screenshot")
        site.start_web()
        try:
            with browser() as chromium:
                page = chromium.new_page(viewport={"width": 1100, "height": 1400}, device_scale_factor=1)
                page.goto(site.base + "/stories/welcome-to-videodesk", wait_until="networkidle")
                page.screenshot(path=article_target, full_page=True)
                print(f"wrote {article_target}")
                for name, (options, full_page) in STUDIO_SHOTS.items():
                    target = str(Path(article_target).parent / name)
                    studio_editor(chromium, site, token, options, target, full_page)
                    print(f"wrote {target}")
        finally:
            site.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(DOCS / "screenshot-article.png"))
