"""HTTP caching for reader pages: ETag/Last-Modified/Cache-Control so a CDN can serve them and
browsers get 304s, plus a short per-process cache of rendered pages so hot articles cost no
template rendering or database work.

Every change that readers should see (an edit in any web process, a job finishing in a worker)
replaces a generation file in the data folder; each process compares it on every request, so
no process serves a page rendered before the change."""
import os
import threading
import time

from flask import Response, current_app, request

from .ids import random_id

PAGE_TTL_S = 10
PUBLIC_MAX_AGE_S = 60
EXTENSION = "videodesk.pages"
GENERATION_FILE = "pages.generation"
_lock = threading.Lock()


def _pages() -> dict:
    return current_app.extensions.setdefault(EXTENSION, {})


def reader_response(body: str | bytes, *, mimetype="text/html", last_modified=None,
                    max_age=PUBLIC_MAX_AGE_S, headers=None) -> Response:
    response = Response(body, mimetype=mimetype, headers=headers or {})
    response.add_etag()
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


def cached(key, build):
    """`build()` returns (body, last_modified); results are kept for PAGE_TTL_S seconds (so a
    scheduled story appears on time) unless something changed sooner."""
    now, generation = time.monotonic(), _generation()
    pages = _pages()
    with _lock:
        entry = pages.get(key)
    if entry is None or entry[0] < now or entry[1] != generation:
        body, last_modified = build()
        entry = (now + PAGE_TTL_S, generation, body, last_modified)
        with _lock:
            if len(pages) > 2000:
                pages.clear()
            pages[key] = entry
    return entry[2], entry[3]


def clear():
    """Forget rendered pages in every process that shares this data folder."""
    path = _generation_path()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(random_id(12))
    os.replace(temporary, path)


def _generation_path():
    return current_app.config["DATA_DIR"] / GENERATION_FILE


def _generation() -> tuple[int, int]:
    """One stat() per request: clear() replaces the file, so its inode and time both change."""
    try:
        status = os.stat(_generation_path())
    except FileNotFoundError:
        return (0, 0)
    return status.st_ino, status.st_mtime_ns
