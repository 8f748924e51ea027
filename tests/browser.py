"""Debian's Chromium driven by Playwright (no browser download; `make test` installs chromium)."""
import contextlib
import shutil

from playwright.sync_api import sync_playwright

from . import needs
from .servers import ROOT

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("chromium is not installed; `make test` installs it with apt-get")
    return path


@contextlib.contextmanager
def browser():
    needs.require("browser")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def sign_in(page, base, token):
    page.goto(base + "/studio/login")
    page.click(".token-signin summary")
    page.fill("#token", token)
    page.click(".token-signin button[type=submit]")
    page.wait_for_url(base + "/studio/")


def serious_accessibility_violations(page, selector: str | None = None) -> list:
    """axe-core's serious and critical findings on the page, or in the element `selector` names
    (the context must bypass CSP to inject it)."""
    page.add_script_tag(content=(ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text())
    results = page.evaluate("selector => axe.run(selector ? document.querySelector(selector) : document, "
                            "{resultTypes: ['violations']})", selector)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results["violations"] if v["impact"] in ("serious", "critical")]
