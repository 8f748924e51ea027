"""Readers come before encoders: the demo article's throughput and p99 while a 1080p upload is being
transcoded on the same cores, against the same page with the cores idle, in the same run. Targets:
>= 0.7x the idle requests per second, p99 under 50 ms, no errors.
Usage: python -m bench.reader_under_load [seconds]"""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.common import generate_source
from bench.reader import CONNECTIONS, wrk
from tests.servers import Instance, wait_until

ARTICLE = "/stories/welcome-to-videodesk"


def _priorities(pid: int) -> str:
    """`ps` view of a process tree's nice values and ionice of the first ffmpeg (shows what the worker lowered)."""
    rows = subprocess.run(["ps", "-o", "pid=,ni=,comm=", "--ppid", str(pid), "-p", str(pid)],
                          capture_output=True, text=True).stdout.split("\n")
    ffmpeg = [row.split()[0] for row in rows if row.strip().endswith("ffmpeg")]
    io = subprocess.run(["ionice", "-p", ffmpeg[0]], capture_output=True, text=True).stdout.strip() if ffmpeg else "-"
    return "; ".join(" ".join(row.split()[1:]) for row in rows if row.strip()) + f"; ffmpeg io: {io}"


def _status(site, video_id) -> dict:
    return requests.get(f"{site.base}/api/videos/{video_id}", headers=site.producer, timeout=10).json()


def main(seconds: int = 10):
    folder = Path(tempfile.mkdtemp(prefix="bench-under-load-"))
    source = generate_source(folder / "source-1080p.mp4", seconds=60, size="1920x1080")
    site = Instance(folder / "data")
    site.flask("db-upgrade")
    site.flask("seed-demo")
    token = site.flask("create-token", "--role", "producer", "--name", "bench").stdout.strip().splitlines()[-1]
    site.producer = {"Authorization": f"Bearer {token}"}
    site.start_web()
    worker = site.start_worker()
    try:
        article = site.base + ARTICLE
        wrk(article, 2)  # warm every worker's page cache
        idle = wrk(article, seconds)
        with open(source, "rb") as upload:
            video_id = requests.post(site.base + "/api/videos", headers=site.producer, timeout=300,
                                     files={"file": ("source-1080p.mp4", upload)}).json()["id"]
        wait_until(lambda: _status(site, video_id)["progress"] > 0.1, timeout=300, what="the transcode to start")
        priorities, load = _priorities(worker.pid), os.getloadavg()[0]
        started = time.monotonic()
        busy = wrk(article, seconds)
        still_transcoding = _status(site, video_id)["status"] == "processing"
        elapsed = time.monotonic() - started
    finally:
        site.stop()
    print(f"machine: {os.cpu_count()} cores, load average before the busy run {load:.1f}")
    print(f"worker priorities (nice, command): {priorities}")
    for name, (rps, p99, errors) in (("idle cores", idle), ("1080p transcode", busy)):
        print(f"{name:16s} {rps:8.0f} requests/s   p99 {p99:6.1f} ms   errors {errors}   "
              f"({CONNECTIONS} connections, {seconds} s)")
    print(f"during/idle: {busy[0] / idle[0]:.2f}x (target >= 0.7x); p99 during {busy[1]:.1f} ms (target < 50 ms); "
          f"errors {idle[2] + busy[2]} (target 0); transcode running throughout: "
          f"{'yes' if still_transcoding else f'no (finished within {elapsed:.0f} s)'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
