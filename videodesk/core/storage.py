"""Where files live. Media lives in the app's media store (videodesk/objectstore: the data folder's
media/ or an S3 bucket) under keys `<video id>/<name>`; originals under `originals/<video id>/...`,
never published. In the data folder, uploads/ holds originals (local store) and scratch/ a
worker's copies while it processes a video (remote store)."""
import contextlib
import os
import re
import time
from pathlib import Path

from flask import current_app

from videodesk.core.settings import current_settings

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}")  # whole names only: fullmatch (`$` lets "\n" through)
STORE_EXTENSION = "videodesk.media_store"
ORIGINALS = "originals"


def media_store():
    """The app's MediaStore (videodesk/objectstore), built once per app by the composition root."""
    return current_app.extensions[STORE_EXTENSION]


def media_in_place() -> bool:
    """Whether the media store is this machine's data folder: outputs are then written where they
    are served, and originals stay in uploads/."""
    return media_store().local_root() is not None


def media_key(video_id: str, name: str) -> str:
    return f"{video_id}/{name}"


def original_key(video_id: str) -> str:
    return f"{ORIGINALS}/{video_id}/source"


def work_key(video_id: str, name: str) -> str:
    """Intermediate files a later step needs (the ladder's analysis), private like originals."""
    return f"{ORIGINALS}/{video_id}/work/{name}"


LIVE = "live"


def live_prefix(live_id: str) -> str:
    """A live stream's HLS (playlists, segments, captions) in the media store."""
    return f"{LIVE}/{live_id}"


def live_key(live_id: str, name: str) -> str:
    return f"{LIVE}/{live_id}/{name}"


def live_dir(live_id: str) -> Path:
    """Where the ingest service's packager writes a stream's files before they go to the store."""
    return data_dir() / LIVE / live_id


def safe_media_name(video_id: str, name: str) -> bool:
    """A media URL's id and path may only use plain names (no dots first, no slashes of their own)."""
    return bool(SAFE_NAME.fullmatch(video_id)) and all(SAFE_NAME.fullmatch(part) for part in name.split("/"))


def data_dir() -> Path:
    return current_settings().data_dir


def media_dir(video_id: str) -> Path:
    return data_dir() / "media" / video_id


def upload_dir(video_id: str) -> Path:
    return data_dir() / "uploads" / video_id


def source_path(video_id: str) -> Path:
    return upload_dir(video_id) / "source"


def tmp_dir() -> Path:
    return data_dir() / "tmp"


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


def scratch_dir(video_id: str) -> Path:
    return data_dir() / "scratch" / video_id


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


def delete_video_objects(video_id: str):
    """Every object of a video in the media store: its media (private and public copies) and its original."""
    store = media_store()
    store.delete_prefix(video_id)
    store.delete_prefix(f"{ORIGINALS}/{video_id}")
