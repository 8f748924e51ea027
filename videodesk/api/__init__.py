"""The JSON API (see ../shared/CONTRACT.md)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import stories, videos  # noqa: E402,F401  (routes register on bp)
