"""Audio tracks in a real browser: the article's player offers English and Spanish, picks the reader's
language, and what Chromium plays is that track's tone (Web Audio analysis of the playing element);
a chosen track is remembered; an added audio description is offered but never chosen on its own."""
import pytest
import requests

from . import media
from .browser import browser
from .servers import Instance, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.server]
DESCRIPTION_HZ = 660

# The loudest frequency Chromium is playing, from an analyser on the <video> (same origin: not muted).
HEARD_HZ = """async () => {
    const video = document.querySelector('video');
    if (!window.__analyser) {
        const context = new AudioContext();
        const source = context.createMediaElementSource(video);
        window.__analyser = context.createAnalyser();
        window.__analyser.fftSize = 8192;
        source.connect(window.__analyser);
        window.__analyser.connect(context.destination);
        await context.resume();
    }
    const analyser = window.__analyser, bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    let peak = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[peak]) peak = i;
    return bins[peak] > -90 ? peak * analyser.context.sampleRate / analyser.fftSize : null;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server and a worker with a published story whose video speaks English and Spanish and has an
    added audio description."""
    folder = tmp_path_factory.mktemp("audio-site")
    instance = Instance(folder / "data")
    instance.flask("db-upgrade")
    instance.start_web()
    instance.start_worker()
    token = instance.create_token("editor", "desk")
    headers = {"Authorization": f"Bearer {token}"}
    source = media.make_bilingual(folder / "bilingual.mp4", seconds=8)
    with open(source, "rb") as file:
        video_id = requests.post(instance.base + "/api/videos", headers=headers, files={"file": ("b.mp4", file)},
                                 data={"title": "Summit"}, timeout=30).json()["id"]

    def state():
        return requests.get(f"{instance.base}/api/videos/{video_id}", headers=headers, timeout=10).json()
    video = wait_until(lambda: (v := state())["status"] in ("ready", "failed") and v, timeout=240,
                       what="the bilingual video to be processed")
    assert video["status"] == "ready", video
    description = media.make_tone(folder / "description.wav", DESCRIPTION_HZ, 8)
    with open(description, "rb") as file:
        added = requests.post(f"{instance.base}/api/videos/{video_id}/audio", headers=headers, timeout=120,
                              files={"file": ("d.wav", file)}, data={"lang": "en", "kind": "description"})
    assert added.status_code == 201, added.text
    story = requests.post(instance.base + "/api/stories", headers=headers, timeout=10, json={
        "headline": "Summit in two languages", "body": "Leaders met.", "video_id": video_id,
        "status": "published"}).json()
    instance.article = instance.base + story["url"]
    instance.video_id = video_id
    yield instance
    instance.stop()


def play_and_hear(page) -> float:
    page.wait_for_function("() => document.querySelector('figure[data-player]').dataset.engine")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = false; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5", timeout=20_000)
    return wait_until(lambda: page.evaluate(HEARD_HZ), timeout=20, what="sound from the player")


def heard_tone(page, expected: int) -> float:
    """Polls what is heard until it settles on `expected` (a switch takes a segment or two)."""
    return wait_until(lambda: abs((page.evaluate(HEARD_HZ) or 0) - expected) < 15 and page.evaluate(HEARD_HZ),
                      timeout=20, what=f"the {expected} Hz tone")


def options(page) -> list:
    return page.eval_on_selector_all(".audio-select option", "os => os.map(o => [o.dataset.lang, o.dataset.kind, o.textContent])")


def test_the_readers_language_plays_switching_changes_what_is_heard_and_the_choice_is_remembered(site):
    with browser() as chromium:
        context = chromium.new_context(locale="es-ES", viewport={"width": 1000, "height": 900})
        page = context.new_page()
        page.goto(site.article, wait_until="networkidle")
        assert options(page) == [["en", "main", "English"], ["es", "dub", "Español"],
                                 ["en", "description", "English (audio description)"]]
        # A Spanish reader hears Spanish.
        assert page.eval_on_selector(".audio-select", "s => s.selectedOptions[0].dataset.lang") == "es"
        play_and_hear(page)
        heard_tone(page, media.SPANISH_HZ)
        # Chromium's native HLS cannot switch audio (no video.audioTracks), so hls.js plays.
        if page.evaluate("() => !document.querySelector('video').audioTracks"):
            assert page.evaluate("() => document.querySelector('figure[data-player]').dataset.engine") == "hls.js"
            assert page.evaluate("() => { const h = document.querySelector('figure[data-player]').hlsPlayer;"
                                 " return h.audioTracks[h.audioTrack].lang; }") == "es"
        # Choosing English in the menu changes what is heard, and is remembered on the next page.
        page.select_option(".audio-select", label="English")
        heard_tone(page, media.ENGLISH_HZ)
        page.goto(site.article, wait_until="networkidle")
        assert page.eval_on_selector(".audio-select", "s => s.selectedOptions[0].dataset.kind") == "main"
        context.close()

        # An English reader gets the main track, not the description (offered, never chosen silently);
        # choosing it plays the description.
        page = chromium.new_page(locale="en-US")
        page.goto(site.article, wait_until="networkidle")
        assert page.eval_on_selector(".audio-select", "s => s.selectedOptions[0].dataset.kind") == "main"
        play_and_hear(page)
        heard_tone(page, media.ENGLISH_HZ)
        page.select_option(".audio-select", label="English (audio description)")
        heard_tone(page, DESCRIPTION_HZ)
