"""`make screenshot`: the demo article of a fresh instance, photographed in headless Chromium."""
import sys
import tempfile
from pathlib import Path

from .browser import browser
from .servers import Instance


def main(target: str):
    with tempfile.TemporaryDirectory() as data:
        site = Instance(Path(data))
        site.flask("db-upgrade")
        site.flask("seed-demo")
        site.start_web()
        try:
            with browser() as chromium:
                page = chromium.new_page(viewport={"width": 1100, "height": 1400}, device_scale_factor=1)
                page.goto(site.base + "/stories/welcome-to-videodesk", wait_until="networkidle")
                page.screenshot(path=target, full_page=True)
        finally:
            site.stop()
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot-article.png")
