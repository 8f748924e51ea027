"""Shared by the benchmarks: generated sources and a wall-clock timer."""
import subprocess
import time
from pathlib import Path


def generate_source(path: Path, *, seconds: int, size: str, gop_seconds: int | None = None) -> Path:
    """A camera-like H.264/AAC file: moving test pattern and tone, High profile with CABAC and
    B-frames at a phone's bit rate, so decoding costs what it costs on real footage."""
    if path.exists():
        return path
    gop = ["-g", str(25 * gop_seconds), "-keyint_min", str(25 * gop_seconds), "-sc_threshold", "0"] if gop_seconds else []
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "14", *gop, "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "192k", str(path)], check=True)
    return path


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def run_all(commands, timeout=3600):
    for args in commands:
        subprocess.run(args, check=True, timeout=timeout, stdout=subprocess.DEVNULL)


def report(seconds_of_video: float, baseline_label: str, baseline: float, ours_label: str, ours: float,
           target: float):
    """The lines every benchmark prints: both timings, realtime factors and the ratio."""
    for label, wall in ((baseline_label, baseline), (ours_label, ours)):
        print(f"{label:48s} {wall:7.2f} s  realtime factor {seconds_of_video / wall:7.2f}x")
    print(f"speed-up: {baseline / ours:.2f}x (target >= {target:g}x)")
