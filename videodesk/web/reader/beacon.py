"""The player's beacon: fire-and-forget watch events, counted by videodesk/newsroom/watch_counts.py."""
from flask import Blueprint, request

from videodesk.newsroom import watch_counts
from videodesk.web.errors import json_errors
from videodesk.web.requests import BEACON, body_limit

bp = json_errors(Blueprint("analytics", __name__))


@bp.post("/beacon")
@body_limit(BEACON)
def beacon():
    data = request.get_json(force=True, silent=True)
    if isinstance(data, dict):
        watch_counts.count(data.get("video"), data.get("event"))
    return "", 204  # never an error a reader could see
