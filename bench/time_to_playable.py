"""Seconds from the end of an upload to `playable` and to `ready`, for a 60 s 1080p H.264 source
(stream-copied quick version) and a 60 s 1080p HEVC 10-bit source (540p ultrafast quick version),
on real gunicorn + worker processes, both measured in the same run.
Targets: H.264 playable <= 0.15x of ready; HEVC <= 0.5x. Usage: python -m bench.time_to_playable [seconds]"""
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.servers import Instance

from .common import generate_source

TARGETS = {"h264": 0.15, "hevc10": 0.5}


def hevc_source(path: Path, seconds: int) -> Path:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
                    "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error",
                    "-c:a", "aac", str(path)], check=True)
    return path


def measure(site: Instance, headers: dict, source: Path) -> tuple[float, float]:
    with open(source, "rb") as body:
        accepted = requests.post(site.base + "/api/videos", files={"file": (source.name, body)}, headers=headers,
                                 timeout=600)
    uploaded = time.monotonic()
    url = site.base + accepted.json()["url"]
    playable = None
    while True:
        video = requests.get(url, headers=headers, timeout=30).json()
        now = time.monotonic() - uploaded
        if video["playable"] and playable is None:
            playable = now
        if video["status"] in ("ready", "failed"):
            assert video["status"] == "ready", video
            return playable, now
        time.sleep(0.1)


def main(seconds: int = 60):
    work = Path(tempfile.mkdtemp(prefix="bench-playable-"))
    sources = {"h264": generate_source(work / "h264.mp4", seconds=seconds, size="1920x1080"),
               "hevc10": hevc_source(work / "hevc10.mp4", seconds)}
    site = Instance(work / "data")
    try:
        site.flask("db-upgrade")
        token = site.flask("create-token", "--role", "producer", "--name", "bench").stdout.strip().splitlines()[-1]
        site.start_web()
        site.start_worker()
        headers = {"Authorization": f"Bearer {token}"}
        print(f"{seconds} s 1920x1080 sources; one worker process; outputs in {work}")
        for name, source in sources.items():
            playable, ready = measure(site, headers, source)
            print(f"{name:8s} playable after {playable:7.2f} s, ready after {ready:7.2f} s: "
                  f"ratio {playable / ready:.3f} (target <= {TARGETS[name]})")
    finally:
        site.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
