"""HTTP caching for reader pages: ETag/Last-Modified/Cache-Control so a CDN can serve them and
browsers get 304s, plus a short per-process cache of rendered pages so hot articles cost no
template rendering or database work."""
import threading
import time

from flask import Response, current_app, request

PAGE_TTL_S = 10
PUBLIC_MAX_AGE_S = 60
EXTENSION = "videodesk.pages"
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
    """`build()` returns (body, last_modified); results are kept for PAGE_TTL_S seconds."""
    now = time.monotonic()
    pages = _pages()
    with _lock:
        entry = pages.get(key)
    if entry is None or entry[0] < now:
        body, last_modified = build()
        entry = (now + PAGE_TTL_S, body, last_modified)
        with _lock:
            if len(pages) > 2000:
                pages.clear()
            pages[key] = entry
    return entry[1], entry[2]


def clear():
    """Forget rendered pages after an edit made in this process (others expire within PAGE_TTL_S)."""
    with _lock:
        _pages().clear()
