"""Playback analytics from a real player: Chromium plays the demo article against gunicorn, and the
beacons it sends become the video's figures (a view with a startup time, a stall forced by delaying
segments, retention after a seek, an error for a broken media URL) and the studio's charts."""
import re
import time

import pytest
import requests

from .browser import browser, serious_accessibility_violations, sign_in
from .helpers import FileServer
from .servers import Instance, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]
ARTICLE = "/stories/welcome-to-videodesk"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("playback"), VIDEODESK_ANALYTICS_FLUSH_S="0.3")
    instance.flask("db-upgrade")
    instance.flask("seed-demo")
    instance.start_web()
    instance.editor_token = instance.create_token("editor", "desk")
    instance.editor = {"Authorization": f"Bearer {instance.editor_token}"}
    oembed = requests.get(instance.base + "/oembed", params={"url": instance.base + ARTICLE}, timeout=10).json()
    instance.video_id = re.search(r"/embed/([a-z0-9]+)", oembed["html"]).group(1)
    yield instance
    instance.stop()


def figures(site) -> dict:
    answer = requests.get(f"{site.base}/api/videos/{site.video_id}/analytics", headers=site.editor, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def seen_counts(report: dict) -> list[int]:
    """How many plays saw each percent (retention is a share of plays)."""
    return [round(share * report["plays"]) for share in report["retention"]]


def play(page, until: float):
    page.locator("video").evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {until}", timeout=30_000)


def test_playing_the_article_counts_a_view_with_its_startup_time(site):
    before = figures(site)
    with browser() as chromium:
        page = chromium.new_page()
        page.goto(site.base + ARTICLE, wait_until="networkidle")
        play(page, 1.0)
        page.goto("about:blank")  # leaving sends the last beacon
    after = wait_until(lambda: (lambda f: f["watch_time_s"] > before["watch_time_s"] and f)(figures(site)),
                       timeout=20, what="the play and its watch time to be counted")
    assert after["views"] == before["views"] + 1 and after["plays"] == before["plays"] + 1 and after["by_surface"]["article"]["views"] >= 1
    assert after["startup_ms"]["p50"] is not None and 0 < after["startup_score"] <= 1
    assert after["retention"][0] > 0
    assert after["by_day"][-1]["views"] >= 1


def test_a_stall_forced_by_slow_segments_counts_as_rebuffering(site):
    before = figures(site)

    def slow_segment(route):
        time.sleep(5)  # the first segment (4 s) plays out while the next ones are held back
        route.continue_()

    with browser() as chromium:
        page = chromium.new_page()
        page.route(re.compile(r"seg_0000[12]\.m4s"), slow_segment)
        page.goto(site.base + ARTICLE, wait_until="load")
        play(page, 5.0)
        page.goto("about:blank")
    after = wait_until(lambda: (lambda f: f["stalls"] > before["stalls"] and f)(figures(site)), timeout=30,
                       what="the stall to be counted")
    assert after["stall_time_s"] - before["stall_time_s"] >= 0.3
    assert after["rebuffer_ratio"] > 0


def test_seeking_past_the_middle_and_leaving_gives_falling_retention(site):
    before = figures(site)
    with browser() as chromium:
        page = chromium.new_page()
        page.goto(site.base + ARTICLE, wait_until="networkidle")
        play(page, 1.5)  # 0-15 % of the 10 s video
        page.locator("video").evaluate("v => { v.currentTime = v.duration * 0.6; }")
        page.wait_for_function("() => { const v = document.querySelector('video'); return v.currentTime > v.duration * 0.68; }",
                               timeout=20_000)
        page.locator("video").evaluate("v => v.pause()")
        page.goto("about:blank")
    after = wait_until(lambda: (lambda f: f["plays"] > before["plays"] and f["retention"][65] > 0 and f)(figures(site)),
                       timeout=20, what="the retention beacons")
    added = [now - then for now, then in zip(seen_counts(after), seen_counts(before), strict=True)]
    assert added[5] == 1 and added[62] == 1  # watched from the start, and after the seek
    assert added[40] == 0  # skipped
    assert added[80] == 0 and added[99] == 0  # left: the curve falls after the point it reached


def test_a_broken_media_url_counts_an_error(site):
    before = figures(site)
    with browser() as chromium:
        page = chromium.new_page()
        page.route(re.compile(r"\.(m3u8|mp4)(\?|$)"), lambda route: route.fulfill(status=404, body="gone"))
        page.goto(site.base + ARTICLE, wait_until="load")
        page.locator("video").evaluate("v => { v.muted = true; v.play().catch(() => {}); }")
        after = wait_until(lambda: (lambda f: f["errors"] > before["errors"] and f)(figures(site)), timeout=20,
                           what="the error beacon")
    assert after["error_rate"] > 0 and after["views"] > before["views"]


def test_a_play_in_another_sites_page_counts_under_embed(site):
    before = figures(site)["by_surface"]["embed"]["views"]
    partner = FileServer("127.0.0.1")  # another origin framing the embed
    page_url = partner.add("/", (f'<!doctype html><title>Partner</title><iframe src="{site.base}/embed/{site.video_id}" '
                                 f'width="640" height="400" title="Video"></iframe>').encode(), "text/html")
    try:
        with browser() as chromium:
            page = chromium.new_page()
            page.goto(page_url, wait_until="networkidle")
            video = page.frame_locator("iframe").locator("video")
            video.evaluate("v => { v.muted = true; return v.play(); }")
            video.evaluate("v => new Promise(resolve => {"
                           " const check = () => v.currentTime > 1 ? resolve() : setTimeout(check, 100); check(); })")
            page.goto("about:blank")
    finally:
        partner.close()
    wait_until(lambda: figures(site)["by_surface"]["embed"]["views"] == before + 1, timeout=20, what="the embed's view")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_studio_charts_render_with_data_at_phone_width(site, scheme, tmp_path):
    # Data of its own (the player's beacons, as it sends them), so the test runs alone too.
    before = figures(site)["plays"]
    beacon = {"video": site.video_id, "surface": "watch", "view": True, "startup_ms": 420, "seen": list(range(70))}
    assert requests.post(site.base + "/beacon", json=beacon, timeout=10).status_code == 204
    wait_until(lambda: figures(site)["plays"] > before, timeout=20, what="the beacon to be counted")
    with browser() as chromium:
        # bypass_csp lets the test inject axe-core
        page = chromium.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme, bypass_csp=True).new_page()
        sign_in(page, site.base, site.editor_token)
        page.goto(f"{site.base}/studio/videos/{site.video_id}")
        retention = page.locator("[data-chart=retention] svg")
        retention.scroll_into_view_if_needed()
        box = retention.bounding_box()
        assert 300 < box["width"] <= 390 and box["x"] >= 0  # fits a phone's width
        assert page.locator("[data-chart=retention] .retention-line").get_attribute("d").count("L") == 99
        assert page.locator("[data-chart=retention] .chart-mark--poster").count() == 1
        heights = [float(h) for h in page.locator("[data-chart=views] rect").evaluate_all("bars => bars.map(b => b.getAttribute('height'))")]
        assert len(heights) == 8 and heights[-1] > 0
        assert page.locator("[data-chart=startup] circle.startup-p50").count() >= 1
        stroke = page.locator("[data-chart=retention] .retention-line").evaluate("p => getComputedStyle(p).stroke")
        assert stroke == {"light": "rgb(11, 87, 208)", "dark": "rgb(138, 180, 248)"}[scheme]
        page.locator(".video-analytics").screenshot(path=str(tmp_path / f"analytics-{scheme}.png"))  # to look at
        assert not serious_accessibility_violations(page, ".video-analytics")
        page.goto(f"{site.base}/studio/dashboard")
        assert page.locator(".top-videos li a").first.get_attribute("href").endswith(site.video_id)
