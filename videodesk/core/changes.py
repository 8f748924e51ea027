"""The "content changed" signal: every write that readers should see calls `content_changed()`.

It replaces a generation file in the data folder, so every process sharing that folder (web
workers, queue workers) sees the change with one stat(); the page cache in the web layer
compares `generation()` before serving a rendered page."""
import os
import threading

from videodesk.core.ids import random_id
from videodesk.core.settings import current_settings

GENERATION_FILE = "pages.generation"


def _path():
    return current_settings().data_dir / GENERATION_FILE


def content_changed():
    """Announce that a story, a video or its captions changed."""
    path = _path()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(random_id(12))
    os.replace(temporary, path)


def generation() -> tuple[int, int]:
    """Changes whenever content_changed() runs in any process: the file's inode and time both change."""
    try:
        status = os.stat(_path())
    except FileNotFoundError:
        return (0, 0)
    return status.st_ino, status.st_mtime_ns
