"""Response headers every page gets: no sniffing, no framing, a strict referrer policy and CSP."""

CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self' blob:; script-src 'self'; "
       "style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app):
    app.after_request(_headers)
