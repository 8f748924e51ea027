"""Vertical video in Chromium: at a phone and a desktop viewport, a 9:16 video's player is taller
than wide, fits the viewport, and its box is reserved before the media loads (no layout shift),
in the article, the watch page and the embed."""
import pytest
import requests

from .browser import browser
from .helpers import post_video
from .servers import Instance, wait_for_video

pytestmark = [pytest.mark.browser, pytest.mark.server]

VIEWPORTS = ({"width": 390, "height": 844}, {"width": 1280, "height": 800})


@pytest.fixture(scope="module")
def vertical_site(tmp_path_factory, vertical_clip, clips):
    folder = tmp_path_factory.mktemp("vertical-site")
    instance = Instance(folder)
    instance.serve()
    video_id = post_video(instance, vertical_clip, captions=clips["srt"]).json()["id"]
    video = wait_for_video(instance.base, instance.headers["producer"], video_id, what="the vertical video")
    assert video["status"] == "ready", video
    story = requests.post(instance.base + "/api/stories", headers=instance.headers["editor"], timeout=10, json={
        "headline": "Shot on a phone", "body": "First paragraph.", "video_id": video_id, "status": "published"}).json()
    instance.pages = {"article": story["url"], "watch": f"/videos/{video_id}", "embed": f"/embed/{video_id}"}
    yield instance
    instance.stop()


def test_a_9x16_player_is_taller_than_wide_and_fits_the_viewport(vertical_site):
    with browser() as chromium:
        for viewport in VIEWPORTS:
            page = chromium.new_page(viewport=viewport)
            for name, path in vertical_site.pages.items():
                page.goto(vertical_site.base + path, wait_until="domcontentloaded")
                video = page.locator("figure[data-player] video")
                before = video.bounding_box()  # from the width/height attributes alone
                video.evaluate("v => v.readyState >= 1 || new Promise(done => v.addEventListener('loadedmetadata', done))")
                box = video.bounding_box()
                where = f"{name} at {viewport['width']}x{viewport['height']}"
                assert (before["width"], before["height"]) == (box["width"], box["height"]), where
                assert box["height"] > box["width"], (where, box)
                assert box["height"] <= viewport["height"] and box["width"] <= viewport["width"], (where, box)
                assert abs(box["width"] / box["height"] - 9 / 16) < 0.02, (where, box)
                assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [180, 320]
            page.close()
