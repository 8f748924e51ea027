"""The JSON API (see ../shared/CONTRACT.md); every error is the contract's JSON error."""
from flask import Blueprint

from videodesk.web.errors import json_errors

bp = json_errors(Blueprint("api", __name__, url_prefix="/api"))

from videodesk.web.api import analytics, audio, captions, clips, docs, live, search, stories, videos, webhooks  # noqa: E402,F401  (routes register on bp)
