"""Response headers every page gets: no sniffing, a strict referrer policy and CSP, and no framing
except for the embeddable player."""
from flask import request

_POLICY = ("default-src 'self'; img-src 'self' data:; media-src 'self' blob:; script-src 'self'; "
           "worker-src 'self' blob:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
           "frame-ancestors {ancestors}")
CSP = _POLICY.format(ancestors="'none'")
EMBED_CSP = _POLICY.format(ancestors="*")


def _headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        if request.blueprint == "embed":
            headers.setdefault("Content-Security-Policy", EMBED_CSP)
        else:
            headers.setdefault("Content-Security-Policy", CSP)
            headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app):
    app.after_request(_headers)
