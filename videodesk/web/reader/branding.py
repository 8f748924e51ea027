"""The station logo for players: the image, and /branding.css, a stylesheet generated from the
studio's settings (the CSP allows stylesheets from this site only, never inline styles)."""
from flask import Blueprint, abort, send_file

from videodesk.newsroom import branding
from videodesk.web import caching

bp = Blueprint("branding", __name__)
LONG_MAX_AGE_S = 3600  # the URLs carry the settings' version, so a change is a new URL


def stylesheet_text(placement: dict | None) -> str:
    if placement is None:
        return "/* No station logo. */\n"
    return ("/* The station logo over players, from the studio's branding settings. */\n"
            f".player-logo {{ width: {placement['size']:g}%; opacity: {placement['opacity']:g}; }}\n")


@bp.get("/branding.css")
def stylesheet():
    body, _ = caching.cached(("branding.css",), lambda: (stylesheet_text(branding.current()), None))
    return caching.reader_response(body, mimetype="text/css", max_age=LONG_MAX_AGE_S)


@bp.get("/branding/logo.png")
def logo():
    if branding.current() is None:
        abort(404)
    response = send_file(branding.logo_path(), mimetype="image/png", conditional=True, etag=True)
    response.cache_control.public = True
    response.cache_control.max_age = LONG_MAX_AGE_S
    return response
