"""Outputs appear all at once or not at all: write to a temp name, rename on success."""
import contextlib
import os
import shutil
from pathlib import Path

from videodesk.core.ids import random_id

TEMP_PREFIX = ".tmp-"


def _temp_name(final_path: Path) -> Path:
    # Keep the suffix: ffmpeg picks muxers and image encoders from it.
    return final_path.with_name(f"{TEMP_PREFIX}{random_id(8)}-{final_path.name}")


def _remove(path: Path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def atomic_output(final_path: Path, *, directory: bool = False):
    """Yield a temp path (a fresh folder with directory=True) that replaces final_path on success."""
    final_path = Path(final_path)
    final_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(final_path)
    if directory:
        tmp.mkdir()
    try:
        yield tmp
        if directory and final_path.exists():
            old = _temp_name(final_path)
            os.replace(final_path, old)
            _remove(old)
        os.replace(tmp, final_path)
    finally:
        _remove(tmp)


def remove_stale_temp_files(folder: Path):
    """Drop what an interrupted run left behind before a step is retried."""
    for leftover in Path(folder).glob(TEMP_PREFIX + "*"):
        _remove(leftover)
