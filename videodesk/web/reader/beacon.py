"""The player's beacon: fire-and-forget reports of a page view's playback, summed by
newsroom/playback/. A bad beacon gets a 400 JSON error, judged without touching the database."""
from flask import Blueprint, request

from videodesk.newsroom.playback import beacons, sums
from videodesk.web.errors import json_errors
from videodesk.web.requests import BEACON, body_limit

bp = json_errors(Blueprint("analytics", __name__))


@bp.post("/beacon")
@body_limit(BEACON)
def beacon():
    sums.record(beacons.parse(request.get_json(force=True, silent=True)))
    return "", 204
