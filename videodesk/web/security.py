"""Response headers every page gets: no sniffing, a strict referrer policy and CSP, and no framing
except for the embeddable player. Media may also come from the media store's origins (a bucket or
a CDN the /media/ redirects and the CDN URLs point at)."""
from flask import current_app, request

from videodesk.core import storage

_POLICY = ("default-src 'self'; img-src 'self' data:{media}; media-src 'self' blob:{media}; "
           "connect-src 'self'{media}; script-src 'self'; worker-src 'self' blob:; style-src 'self'; "
           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")
EXTENSION = "videodesk.csp"


def policies(media_origins) -> dict:
    """The page policy, the embed's (any site may frame it), and the API docs' (Redoc writes <style>
    elements at run time, so that one page also allows inline styles; scripts stay 'self')."""
    media = "".join(f" {origin}" for origin in media_origins)
    page = _POLICY.format(media=media, ancestors="'none'")
    return {"page": page, "embed": _POLICY.format(media=media, ancestors="*"),
            "docs": page.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")}


def policy(name: str) -> str:
    return current_app.extensions[EXTENSION][name]


def _headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        if request.blueprint == "embed":
            headers.setdefault("Content-Security-Policy", policy("embed"))
        else:
            headers.setdefault("Content-Security-Policy", policy("page"))
            headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app):
    with app.app_context():
        app.extensions[EXTENSION] = policies(storage.media_store().origins())
    app.after_request(_headers)
