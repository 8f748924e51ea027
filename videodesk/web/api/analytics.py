"""Playback analytics: one video's quality and retention, and the rankings. Producers see their own
videos, editors and admins all (the rule of library.video_for)."""
from flask import g, request

from videodesk.newsroom import library
from videodesk.newsroom.playback import report
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import PLAYBACK_RANKING, PLAYBACK_REPORT
from videodesk.web.openapi import operation, query

MOMENT = {"type": "string", "maxLength": 40, "examples": ["2026-12-01", "2026-12-04T09:30:00Z"]}
PERIOD = [
    query("from", MOMENT, "ISO date or date-time (UTC unless it has an offset); default: 7 days before `to`."),
    query("to", MOMENT, "ISO date (through the end of that day) or date-time, exclusive; default: now."),
]


def _period() -> report.Period:
    return report.period(request.args.get("from"), request.args.get("to"))


@bp.get("/videos/<video_id>/analytics")
@operation("A video's playback quality and audience retention", tags=["analytics"], parameters=PERIOD,
           responses={200: PLAYBACK_REPORT}, errors=["invalid_field"])
@require_role("producer")
def video_analytics(video_id):
    return report.video_report(library.video_for(g.user, video_id), _period())


@bp.get("/analytics")
@operation("Videos and stories ranked by views and by completion", tags=["analytics"],
           parameters=[*PERIOD, query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                                      "How many of each list.")],
           responses={200: PLAYBACK_RANKING}, errors=["invalid_field"])
@require_role("producer")
def analytics_ranking():
    limit = request.args.get("limit", "10")
    return report.ranking(g.user, _period(), limit=report.limit(limit))
