"""The player's beacon: fire-and-forget reports of a page view's playback (newsroom/playback/), and
the older {"video", "event"} watch counts (newsroom/watch_counts.py) that cached pages still send.
A bad beacon gets a 400 JSON error (a new-style one is judged without touching the database)."""
from flask import Blueprint, request

from videodesk.core.errors import Invalid
from videodesk.newsroom import watch_counts
from videodesk.newsroom.playback import beacons, sums
from videodesk.web.errors import json_errors
from videodesk.web.requests import BEACON, body_limit

bp = json_errors(Blueprint("analytics", __name__))


@bp.post("/beacon")
@body_limit(BEACON)
def beacon():
    data = request.get_json(force=True, silent=True)
    if isinstance(data, dict) and "event" in data:
        if not watch_counts.count(data.get("video"), data.get("event")):
            raise Invalid(code="invalid_beacon", message="This beacon names no public video or no known event.")
    else:
        sums.recorder.add(beacons.parse(data))
    return "", 204
