"""Breaking news, quote to clip: seconds from an upload's 202 to a published story that plays a 20 s
clip of a quote with captions containing it, while the full ladder of the source is still made.

The source: N minutes (default 10) of 1080p25 H.264 with espeak-ng speech throughout and one unique
sentence at 70 % of its length (minute 7 of 10). A real installation (gunicorn + one `flask worker`
with its default threads, tests/servers.Instance) is run twice in the same run: captions first (this
branch's order) and captions after ready (the earlier order: VIDEODESK_CAPTIONS_FIRST=0,
VIDEODESK_BULK_YIELDS=0). Printed per order: quote found by search, clip accepted, clip playable,
story plays it with the quote in its captions, the total, and the full ladder's time to ready.
Target: total < 120 s for 10 minutes on 2 cores; ready no more than 15 % later than after-ready's.

Usage: python -m bench.quote_to_clip [--minutes 10] [--order first|after|both] [--no-ladder]"""
import argparse
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from tests.servers import Instance

QUOTE = "The minister said the talks were useful but difficult, and the ceasefire holds for now."
QUERY = "talks were useful but difficult"
FILLER = [
    "The city council approved the new budget on Tuesday.",
    "The mayor said the bridge will open on Monday.",
    "Residents will see more buses and longer library hours next year.",
    "Heavy rain is expected in the north over the weekend.",
    "The school board will meet again in the spring to discuss new teachers.",
    "Shops in the old town reported a busy start to the holiday season.",
    "Engineers are checking the water pipes under the main square.",
    "The football club announced a new coach for the coming season.",
]
CLIP_S = 20.0
STAGES = ("quote found by search", "clip accepted", "clip playable", "story plays it with the quote", "ladder ready")
ORDERS = {"first": {"VIDEODESK_CAPTIONS_FIRST": "1", "VIDEODESK_BULK_YIELDS": "1"},
          "after": {"VIDEODESK_CAPTIONS_FIRST": "0", "VIDEODESK_BULK_YIELDS": "0"}}
TRACK = re.compile(r'<track kind="captions" src="([^"]+)"')
MP4 = re.compile(r'<source src="([^"]+)" type="video/mp4">')


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def make_speech(folder: Path, seconds: int) -> Path:
    """espeak-ng speech throughout, the quote at 70 %, as a 48 kHz WAV (also bench/transcript_parts.py's)."""
    wav = folder / f"speech-{seconds}s.wav"
    if wav.exists():
        return wav
    words_needed = seconds * 3  # espeak-ng at 150 words a minute, with margin
    filler, count = [], 0
    while count < words_needed:
        sentence = FILLER[len(filler) % len(FILLER)]
        filler.append(sentence)
        count += len(sentence.split())
    (folder / "filler.txt").write_text(" ".join(filler))
    subprocess.run(["espeak-ng", "-v", "en-us+f2", "-s", "150", "-w", str(folder / "filler.wav"),
                    "-f", str(folder / "filler.txt")], check=True)
    subprocess.run(["espeak-ng", "-v", "en-us+m3", "-s", "140", "-w", str(folder / "quote.wav"), QUOTE], check=True)
    at = round(seconds * 0.7, 1)
    ffmpeg("-i", str(folder / "filler.wav"), "-i", str(folder / "quote.wav"), "-filter_complex",
           f"[0]atrim=0:{at},asetpts=PTS-STARTPTS[a];[0]atrim={at},asetpts=PTS-STARTPTS[b];"
           f"[1]adelay=600:all=1,apad=pad_dur=0.6[q];[a][q][b]concat=n=3:v=0:a=1,apad,atrim=0:{seconds}[out]",
           "-map", "[out]", "-ar", "48000", str(wav))
    return wav


def make_source(folder: Path, minutes: float) -> Path:
    """Cached per length: generating 10 minutes of 1080p takes minutes on a busy machine."""
    seconds = round(minutes * 60)
    path = folder / f"briefing-{seconds}s.mp4"
    if path.exists():
        return path
    speech = make_speech(folder, seconds)
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25:duration={seconds}", "-i", str(speech),
           "-c:v", "libx264", "-preset", "superfast", "-crf", "20", "-g", "50", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "128k", "-shortest", str(path) + ".tmp.mp4")
    Path(str(path) + ".tmp.mp4").rename(path)
    return path


class Run:
    """One installation, one upload, the desk's steps as soon as each is possible."""

    def __init__(self, work: Path, order: str, source: Path, model: str):
        env = {**ORDERS[order], "VIDEODESK_WHISPER_MODEL": model}
        shutil.rmtree(work / f"data-{order}", ignore_errors=True)  # a new installation each run (the source is cached)
        self.site = Instance(work / f"data-{order}", **env)
        self.source = source
        self.stages: dict[str, float] = {}

    def __enter__(self):
        self.headers = self.site.serve("editor").headers["editor"]
        return self

    def __exit__(self, *exc):
        self.site.stop()

    def api(self, method, path, **kwargs):
        return requests.request(method, self.site.base + path, headers=self.headers, timeout=60, **kwargs)

    def measure(self, timeout: float, ladder: bool = True) -> dict:
        """The stages' times; without `ladder`, the run stops once the story plays the quote."""
        with open(self.source, "rb") as body:
            accepted = self.api("POST", "/api/videos", files={"file": (self.source.name, body)},
                                data={"title": "Briefing"})
        started = time.monotonic()
        assert accepted.status_code == 202, accepted.text
        video_id = accepted.json()["id"]
        clip_id = story = None
        while time.monotonic() - started < timeout:
            now = time.monotonic() - started
            if clip_id is None:
                hits = [hit for hit in self.api("GET", "/api/search", params={"q": QUERY}).json()["results"]
                        if hit["video_id"] == video_id]
                if hits:
                    self.stages["quote found by search"] = now
                    start = max(0.0, hits[0]["start"] - 2.0)
                    clip = self.api("POST", f"/api/videos/{video_id}/clips",
                                    json={"start": start, "end": start + CLIP_S, "title": "Talks useful but difficult"})
                    assert clip.status_code == 202, clip.text
                    clip_id = clip.json()["id"]
                    self.stages["clip accepted"] = time.monotonic() - started
            elif story is None:
                if self.api("GET", f"/api/videos/{clip_id}").json()["playable"]:
                    self.stages["clip playable"] = now
                    story = self.api("POST", "/api/stories", json={
                        "headline": "Talks useful but difficult, minister says", "body": "The minister spoke today.",
                        "video_id": clip_id, "status": "published"}).json()
            elif "story plays it with the quote" not in self.stages and self.plays_quote(story):
                self.stages["story plays it with the quote"] = time.monotonic() - started
            if ladder and "ladder ready" not in self.stages:
                parent = self.api("GET", f"/api/videos/{video_id}").json()
                assert parent["status"] != "failed", parent
                if parent["status"] == "ready":
                    self.stages["ladder ready"] = now
            if len(self.stages) == 5 or (not ladder and "story plays it with the quote" in self.stages):
                return self.stages
            time.sleep(0.5)
        raise AssertionError(f"not done after {timeout} s: {self.stages}\n{self.site.log_text()}")

    def plays_quote(self, story: dict) -> bool:
        """A reader (no credentials) gets the article, its MP4 and a caption track with the quote."""
        page = requests.get(self.site.base + story["url"], timeout=30)
        tracks, mp4 = TRACK.findall(page.text), MP4.search(page.text)
        if page.status_code != 200 or not mp4 or not tracks:
            return False
        video = requests.get(requests.compat.urljoin(page.url, mp4.group(1)), headers={"Range": "bytes=0-1023"},
                             timeout=30)
        texts = [requests.get(requests.compat.urljoin(page.url, src), timeout=30).text.lower() for src in tracks]
        return video.status_code in (200, 206) and any("useful" in text and "difficult" in text for text in texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the source (default 10)")
    parser.add_argument("--order", choices=["first", "after", "both"], default="both")
    parser.add_argument("--model", help="a faster-whisper model folder (default: the bundled Whisper base)")
    parser.add_argument("--no-ladder", action="store_true", help="stop once the story plays (not waiting for the ladder)")
    parser.add_argument("--work", type=Path, help="folder for the cached source and the data (default: a new temp folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-quote-"))
    work.mkdir(parents=True, exist_ok=True)
    source = make_source(work, args.minutes)
    model = args.model
    if model is None:  # assembled once, as on an installation that has run before
        from videodesk.media import whisper_model
        model = str(whisper_model.assemble(work))
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"{args.minutes:g} min 1920x1080 25 fps source, quote at {args.minutes * 0.7:.1f} min; "
          f"gunicorn + one worker (default threads); load average before {' '.join(load)}; data in {work}")
    orders = ["first", "after"] if args.order == "both" else [args.order]
    results = {}
    for order in orders:
        with Run(work, order, source, model) as run:
            results[order] = run.measure(timeout=args.minutes * 60 * 6 + 600, ladder=not args.no_ladder)
        stages = results[order]
        print(f"\ncaptions {order} ready:" if order == "after" else "\ncaptions first (after the probe):")
        for name in STAGES:
            print(f"  {name:34s} {stages[name]:8.1f} s" if name in stages else f"  {name:34s}  not waited for")
        print(f"  {'total (202 -> story plays quote)':34s} {stages['story plays it with the quote']:8.1f} s "
              "(target < 120 s for 10 min)")
    if len(results) == 2 and not args.no_ladder:
        first, after = results["first"], results["after"]
        print(f"\nquote to story: {first['story plays it with the quote']:.1f} s vs "
              f"{after['story plays it with the quote']:.1f} s; ladder ready {first['ladder ready']:.1f} s vs "
              f"{after['ladder ready']:.1f} s ({first['ladder ready'] / after['ladder ready'] - 1:+.1%}, "
              "target <= +15 %)")


if __name__ == "__main__":
    main()
