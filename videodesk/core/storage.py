"""Where files live in the data folder. Originals (uploads/) are never served; media/ is."""
import contextlib
import hashlib
import os
import re
import time
from pathlib import Path

from flask import current_app

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def data_dir() -> Path:
    return current_app.config["DATA_DIR"]


def media_dir(video_id: str) -> Path:
    return data_dir() / "media" / video_id


def upload_dir(video_id: str) -> Path:
    return data_dir() / "uploads" / video_id


def source_path(video_id: str) -> Path:
    return upload_dir(video_id) / "source"


def tmp_dir() -> Path:
    return data_dir() / "tmp"


def resolve_media_file(video_id: str, name: str) -> Path | None:
    """The file for a media URL, or None if the name could point anywhere else."""
    parts = name.split("/")
    if not SAFE_NAME.match(video_id) or not all(SAFE_NAME.match(part) for part in parts):
        return None
    root = (data_dir() / "media").resolve()
    path = (root / video_id / Path(*parts)).resolve()
    if not path.is_relative_to(root / video_id) or not path.is_file():
        return None
    return path


def folder_size(folder: Path) -> int:
    """Bytes used by the files under a folder (for the dashboard)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, name)).st_size
    return total


def remove_tree(folder: Path):
    if not folder.exists():
        return
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    os.rmdir(folder)


def sha256_of(path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks (sources can be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def remove_stale_tmp(max_age_s: float) -> int:
    """Drop request bodies a killed web worker left in tmp/ (a finished request deletes its own)."""
    removed = 0
    cutoff = time.time() - max_age_s
    for path in tmp_dir().glob("part-*"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
