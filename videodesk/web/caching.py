"""HTTP caching for reader pages: ETag/Last-Modified/Cache-Control so a CDN can serve them and
browsers get 304s, plus a short per-process cache of rendered pages so hot articles cost no
template rendering or database work.

A rendered page is kept only while `changes.generation()` is the one it was rendered under, so an
edit in any process (web or worker) reaches every process's cache at once."""
import threading
import time

from flask import Response, current_app, request

from videodesk.core import changes
from videodesk.web.urls import site_root

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


def cached(key: tuple, build):
    """`build()` returns (body, last_modified); results are kept for PAGE_TTL_S seconds (so a
    scheduled story appears on time) unless something changed sooner. Pages hold absolute URLs, so
    the key ends with the site's root: the base URL when it is set, never a Host a client forged
    (forged hosts would each get an entry and push real pages out)."""
    key = (*key, site_root())
    now, generation = time.monotonic(), changes.generation()
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
