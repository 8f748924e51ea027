"""Clips and chapters in Chromium: ?t= and #t= start the player there, chapters show on the bar and
in a menu, and a producer makes a clip from in/out points in the studio."""
import pytest
import requests

from . import media
from .browser import browser, serious_accessibility_violations, sign_in
from .servers import Instance, wait_for_video

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHAPTERS = [{"start": 0, "title": "Opening"}, {"start": 2, "title": "Second half"}]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A web server and a worker with one published, chaptered 4 s video."""
    folder = tmp_path_factory.mktemp("editing")
    instance = Instance(folder / "data")
    instance.flask("db-upgrade")
    instance.start_web()
    instance.start_worker()
    instance.token = instance.create_token("editor", "desk")
    headers = {"Authorization": f"Bearer {instance.token}"}
    source = media.make_frame_numbered(folder / "numbered.mp4")
    created = requests.post(instance.base + "/api/videos", headers=headers, timeout=30,
                            files={"file": ("numbered.mp4", open(source, "rb")),  # captions: no transcription
                                   "captions": ("en.srt", media.SRT.encode())}).json()
    instance.video_url = instance.base + created["url"]
    video = wait_for_video(instance.base, headers, created["id"], what="the video")
    assert video["status"] == "ready", video
    chaptered = requests.put(instance.video_url + "/chapters", headers=headers, json={"chapters": CHAPTERS}, timeout=10)
    assert chaptered.status_code == 200, chaptered.text
    story = requests.post(instance.base + "/api/stories", headers=headers, timeout=10, json={
        "headline": "Frames in order", "body": "Every frame differs.", "video_id": created["id"], "status": "published"})
    instance.article, instance.video_id = instance.base + story.json()["url"], created["id"]
    instance.headers = headers
    yield instance
    instance.stop()


def test_t_starts_the_article_and_the_embed_there_and_chapters_show(site):
    with browser() as chromium:
        page = chromium.new_page(viewport={"width": 1000, "height": 900})
        page.goto(site.article + "?t=2.5", wait_until="networkidle")
        page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 2.5) < 0.1", timeout=15_000)
        assert page.locator("video").evaluate("v => v.paused")  # it starts there; it does not autoplay
        # Two chapters: one mark (where the second begins) and a menu that seeks.
        page.wait_for_selector("figure[data-chapters='2']")
        assert page.locator(".chapter-mark").count() == 1
        assert page.locator(".chapters-select option").all_inner_texts() == ["0:00 Opening", "0:02 Second half"]
        page.select_option(".chapters-select", label="0:00 Opening")
        page.wait_for_function("() => document.querySelector('video').currentTime < 0.1")
        # The scrub preview names the chapter under the pointer.
        scrub = page.locator(".scrub-range")
        box = scrub.bounding_box()
        scrub.hover(position={"x": box["width"] * 0.8, "y": box["height"] / 2})
        assert page.locator(".scrub-chapter").inner_text() == "Second half"

        page.goto(f"{site.base}/embed/{site.video_id}#t=0m1.5s", wait_until="networkidle")
        page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 1.5) < 0.1", timeout=15_000)


def test_producer_makes_a_clip_from_in_and_out_points(site):
    with browser() as chromium:
        context = chromium.new_context(bypass_csp=True)  # lets the test inject axe-core at the end
        page = context.new_page()
        sign_in(page, site.base, site.token)
        page.goto(f"{site.base}/studio/videos/{site.video_id}", wait_until="networkidle")
        video = page.locator("video")
        video.evaluate("v => v.readyState >= 1 || new Promise(r => v.addEventListener('loadedmetadata', r, {once: true}))")
        for time, key in ((1.2, "i"), (2.8, "o")):
            video.evaluate("(v, t) => new Promise(r => { v.addEventListener('seeked', r, {once: true}); v.currentTime = t; })", time)
            page.locator("h1").click()  # keys go to the page, not to a field
            page.keyboard.press(key)
        assert (page.input_value(".range-in"), page.input_value(".range-out")) == ("1.2", "2.8")
        # The preview plays the range and stops at the out point.
        video.evaluate("v => { v.muted = true; }")
        page.click(".preview-range")
        page.wait_for_function("() => { const v = document.querySelector('video'); return v.paused && v.currentTime >= 2.7; }",
                               timeout=15_000)
        assert video.evaluate("v => v.currentTime") < 3.1
        page.fill(".clip-title", "Frames 30 to 70")
        page.click(".save-clip")
        link = page.locator(".range-state a.new-clip")
        link.wait_for()
        clip_id = link.get_attribute("href").rstrip("/").split("/")[-1]
        serious = serious_accessibility_violations(page)
        assert not serious, serious
        context.close()
    clip = wait_for_video(site.base, site.headers, clip_id, what="the clip")
    assert clip["status"] == "ready", clip
    assert clip["title"] == "Frames 30 to 70"
    assert clip["clip_of"] == {"id": site.video_id, "start": 1.2, "end": 2.8}
    assert abs(clip["duration"] - 1.6) < 0.1
    # The chapter running at the in point and the one inside the range come along.
    assert clip["chapters"] == [{"start": 0.0, "title": "Opening"}, {"start": 0.8, "title": "Second half"}]
