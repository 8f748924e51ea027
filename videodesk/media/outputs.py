"""Outputs appear all at once or not at all: write to a temp name, rename on success."""
import contextlib
import os
import shutil
from pathlib import Path

from videodesk.core.ids import random_id
from videodesk.media.runner import DiskFull, MediaError

TEMP_PREFIX = ".tmp-"
# Below this much free space an output is taken to be cut short: ffmpeg's HLS and file muxers can
# exit 0 with empty or partial files when a write fails with ENOSPC.
LOW_SPACE_BYTES = 1024 * 1024


def out_of_space(folder: Path) -> bool:
    return shutil.disk_usage(folder).free < LOW_SPACE_BYTES


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
    """Yield a temp path (a fresh folder with directory=True) that replaces final_path on success;
    a full disk leaves final_path as it was."""
    final_path = Path(final_path)
    final_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(final_path)
    if directory:
        tmp.mkdir()
    try:
        try:
            yield tmp
            if out_of_space(final_path.parent):
                raise DiskFull(f"writing {final_path.name}")
        except MediaError as exc:
            # Checked before the temp output is removed: that removal gives the space back.
            if not isinstance(exc, DiskFull) and out_of_space(final_path.parent):
                raise DiskFull(f"writing {final_path.name}") from exc
            raise
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
