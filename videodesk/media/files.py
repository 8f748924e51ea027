"""Outputs appear all at once or not at all: write to a temp name, rename on success."""
import contextlib
import os
from pathlib import Path

from ..ids import random_id


@contextlib.contextmanager
def atomic_output(final_path: Path):
    final_path = Path(final_path)
    final_path.parent.mkdir(parents=True, exist_ok=True)
    # Keep the suffix: ffmpeg picks muxers and image encoders from it.
    tmp = final_path.with_name(f".tmp-{random_id(8)}-{final_path.name}")
    try:
        yield tmp
        os.replace(tmp, final_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def remove_stale_temp_files(folder: Path):
    """Drop what an interrupted run left behind before a step is retried."""
    for leftover in Path(folder).glob(".tmp-*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
