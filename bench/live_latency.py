"""Live streams: glass-to-glass latency (median and p95), live-caption lag, and the CPU one 1080p
pass-through stream with its captions costs, on real processes (nginx RTMP ingest, packager,
Whisper, gunicorn, worker) in one run. Usage: python -m bench.live_latency [seconds, default 120]

Method (docs/PERFORMANCE.md, "Live"): a pre-encoded 1080p H.264/AAC file (2 s keyframes, spoken
words) is published with `ffmpeg -re -c copy`, so the encoder costs nothing and sends each frame at
T0 + its media time; T0 comes from the publisher's own progress reports. The bench polls the live
playlist through the web server every 100 ms and notes when each segment appears. hls.js (as
static/live.js sets it up) plays 2 segments (4 s) behind the newest one, so the frame at media time
e - 4 is on screen when the segment ending at e appears: its glass-to-glass latency is
appear(e) - (T0 + e - 4). Caption lag is when a cue first appears in the captions file minus when
the words were sent (T0 + cue end), and minus that the picture's own latency (how far the captions
trail the picture the viewer sees). CPU is the user+system time of the ingest process and its
children (nginx, ffmpeg, Whisper threads) divided by the stream's length: cores in use."""
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import m3u8
import requests

from tests.media import SPEECH_SCRIPT, SPEECH_VOICE
from tests.servers import Instance, free_port

HOLD_BACK_S = 4.0
TARGET_S = 10.0


def make_source(folder: Path, seconds: int) -> Path:
    wav, source = folder / "speech.wav", folder / "source.mp4"
    subprocess.run(["espeak-ng", *SPEECH_VOICE, "-w", str(wav), SPEECH_SCRIPT], check=True, timeout=60)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=1920x1080:rate=25:duration={seconds}", "-stream_loop", "-1", "-i", str(wav),
                    "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-keyint_min", "50",
                    "-sc_threshold", "0", "-b:v", "5M", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000",
                    str(source)], check=True)
    return source


def cpu_seconds(root: int) -> float:
    """User + system seconds of a process and its live descendants (from /proc)."""
    tick, total, parents = os.sysconf("SC_CLK_TCK"), 0.0, {}
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            stats[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    for pid, seconds in stats.items():
        ancestor = pid
        while ancestor not in (0, 1, root) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == root:
            total += seconds
    return total


def main(seconds: int):
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        folder = Path(tmp)
        source = make_source(folder, seconds)
        site = Instance(folder / "data", VIDEODESK_RTMP_PORT=str(free_port()), VIDEODESK_SRT_PORT=str(free_port()))
        site.flask("db-upgrade")
        site.start_web()
        site.start_worker()
        ingest = site.start_ingest()
        try:
            token = site.flask("create-token", "--role", "producer").stdout.strip().splitlines()[-1]
            headers = {"Authorization": f"Bearer {token}"}
            stream = requests.post(site.base + "/api/live", json={"title": "bench"}, headers=headers, timeout=10).json()
            playlist_url = site.base + stream["hls_url"].replace("master.m3u8", "video.m3u8")
            captions_url = site.base + stream["hls_url"].replace("master.m3u8", "captions.vtt")
            starts, appeared, cue_seen = [], {}, {}
            cpu_before, began = cpu_seconds(ingest.pid), time.monotonic()
            publisher = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-re", "-i", str(source), "-c", "copy",
                                          "-progress", "pipe:1", "-stats_period", "0.5", "-f", "flv",
                                          stream["ingest"]["rtmp_url"]], stdout=subprocess.PIPE, text=True)

            def progress():
                for line in publisher.stdout:
                    if line.startswith("out_time_us=") and line.strip()[12:].isdigit():
                        starts.append(time.time() - int(line.strip()[12:]) / 1e6)

            threading.Thread(target=progress, daemon=True).start()
            while publisher.poll() is None:
                now = time.time()
                response = requests.get(playlist_url, headers=headers, timeout=5)
                if response.status_code == 200:
                    at = 0.0
                    for segment in m3u8.loads(response.text).segments:
                        at += segment.duration
                        appeared.setdefault(round(at, 3), now)
                vtt = requests.get(captions_url, headers=headers, timeout=5)
                if vtt.status_code == 200:
                    for line in vtt.text.splitlines():
                        if "-->" in line:
                            cue_seen.setdefault(line.split("-->")[1].split()[0], now)
                time.sleep(0.1)
            wall = time.monotonic() - began
            cpu = cpu_seconds(ingest.pid) - cpu_before
            t0 = statistics.median(starts)
            latencies = sorted(when - (t0 + end - HOLD_BACK_S) for end, when in appeared.items() if end > HOLD_BACK_S)
            median = statistics.median(latencies)
            p95 = latencies[int(0.95 * (len(latencies) - 1))]

            def clock(text):
                h, m, s = (["0"] + text.split(":"))[-3:]
                return int(h) * 3600 + int(m) * 60 + float(s)

            lags = sorted(when - (t0 + clock(end)) for end, when in cue_seen.items())
            print(f"live latency over {seconds} s of 1080p pass-through (H.264 5 Mb/s + AAC, 2 s keyframes), "
                  f"{len(latencies)} segments: glass-to-glass median {median:.1f} s, p95 {p95:.1f} s "
                  f"(target <= {TARGET_S:.0f} s; Mux quotes 25-30 s for standard HLS) -> {median / TARGET_S:.2f}x of target")
            if lags:
                behind = [lag - median for lag in lags]
                print(f"live captions: {len(lags)} cues; lag behind the words sent median {statistics.median(lags):.1f} s, "
                      f"max {lags[-1]:.1f} s; behind the picture on screen median {statistics.median(behind):.1f} s, "
                      f"max {max(behind):.1f} s (target <= 10 s)")
            print(f"ingest CPU (nginx + packager + Whisper captions): {cpu / wall:.2f} cores of {os.cpu_count()} "
                  f"over {wall:.0f} s; load average at the end {os.getloadavg()[0]:.1f} (the machine is shared)")
        finally:
            site.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 120)
