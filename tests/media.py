"""Real media for tests, made with ffmpeg (lavfi test sources), never mocked."""
import subprocess
from pathlib import Path

from videodesk.media.runner import run
from videodesk.media.synth import test_clip_command

SRT = """1
00:00:00,200 --> 00:00:01,200
First caption line

2
00:00:01,400 --> 00:00:02,600
Second caption line
"""


def make_clip(path: Path, **options) -> Path:
    run(test_clip_command(path, **options), timeout=120, what="test clip")
    return path


def ffmpeg(*args, timeout=120):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *map(str, args)],
                   check=True, timeout=timeout)


def make_rotated_portrait(path: Path) -> Path:
    """A 320x180 stream tagged with a 90° display matrix, as phones record portrait video."""
    plain = make_clip(path.with_name("plain-for-rotation.mp4"), seconds=2)
    ffmpeg("-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", path)
    return path


def make_audio_only(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=2", "-c:a", "aac", path)
    return path


def make_truncated(source: Path, path: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path
