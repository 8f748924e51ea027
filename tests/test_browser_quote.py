"""The studio's breaking-news flow in Chromium, at desk and phone widths, against a real server and
worker: search the video's transcript, choose the sentence, "Clip to a story" (a new published
story at the desk, then an existing story as a draft on the phone)."""
import pytest
import requests

from .browser import browser, serious_accessibility_violations, sign_in
from .servers import Instance, wait_for_video

pytestmark = [pytest.mark.browser, pytest.mark.server]
# The phone in dark mode, the desk in light mode: the transcript's hit and chosen line stay readable in both.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "color_scheme": "dark"}
DESK = {"viewport": {"width": 1280, "height": 900}, "color_scheme": "light"}


@pytest.fixture(scope="module")
def desk(tmp_path_factory, clips):
    data = tmp_path_factory.mktemp("quote-browser")
    site = Instance(data).serve("editor")
    site.headers = site.headers["editor"]
    site.token = site.headers["Authorization"].split()[-1]
    with open(clips["clip"], "rb") as video, open(clips["srt"], "rb") as captions:
        answer = requests.post(site.base + "/api/videos", headers=site.headers, timeout=30,
                               files={"file": ("clip.mp4", video), "captions": ("c.srt", captions)},
                               data={"title": "Flood defences"}).json()
    site.video = wait_for_video(site.base, site.headers, answer["id"], what="the video")
    assert site.video["status"] == "ready", site.video
    yield site
    site.stop()


def api(site, path):
    return requests.get(site.base + path, headers=site.headers, timeout=10).json()


def clip_to_story(site, options, story_choice, status):
    with browser() as chromium:
        page = chromium.new_context(bypass_csp=True, **options).new_page()  # bypass: axe-core is injected
        problems = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        sign_in(page, site.base, site.token)
        page.goto(f"{site.base}/studio/videos/{site.video['id']}")
        page.fill("#quote-search", "second lines")  # stemmed: "lines" finds "line"
        page.click(".quote-desk .cue.hit")
        assert page.input_value(".quote-in") == "1.2" and page.input_value(".quote-out") == "2.85"
        assert page.input_value(".quote-title") == "Second caption line"
        problems += serious_accessibility_violations(page, ".quote-desk")
        if story_choice is None:
            page.fill(".quote-headline", "Barrier holds, says engineer")
        else:
            page.select_option(".quote-story", str(story_choice))
            assert page.is_hidden(".new-headline")
        page.select_option("select[name=status]", status)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.click(".clip-story")
        page.wait_for_url(f"{site.base}/studio/stories/*")
        assert problems == [] and overflow <= 0, (problems, overflow)
        return int(page.url.rstrip("/").split("/")[-1])


def test_clip_to_a_new_published_story_at_the_desk_then_to_it_as_a_draft_on_a_phone(desk):
    story_id = clip_to_story(desk, DESK, None, "published")
    story = api(desk, f"/api/stories/{story_id}")
    clip = api(desk, f"/api/videos/{story['video_id']}")
    assert story["status"] == "published" and story["headline"] == "Barrier holds, says engineer"
    assert clip["clip_of"] == {"id": desk.video["id"], "start": 1.2, "end": 2.85}
    assert [c["text"] for c in api(desk, f"/api/videos/{clip['id']}/captions?cues=1")["captions"][0]["cues"]] \
        == ["Second caption line"]

    again = clip_to_story(desk, PHONE, story_id, "draft")
    assert again == story_id
    story = api(desk, f"/api/stories/{story_id}")
    assert story["status"] == "draft" and story["video_id"] not in (None, clip["id"])
