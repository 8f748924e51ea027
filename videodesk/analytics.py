"""Privacy-respecting watch analytics: the player beacons play, quartiles and errors; we count
them per video and day. Nothing identifies a reader: no cookies, no IP addresses are stored."""
from datetime import date

from flask import Blueprint, request
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import db
from .ids import is_random_id
from .models import Video, WatchCount

bp = Blueprint("analytics", __name__)
EVENTS = ("play", "q25", "q50", "q75", "q100", "error")


@bp.post("/beacon")
def beacon():
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict) or data.get("event") not in EVENTS or not is_random_id(data.get("video")):
        return "", 204  # beacons are fire-and-forget: never an error a reader could see
    session = db.session()
    video = session.get(Video, data["video"])
    if video is None or not video.is_public:
        return "", 204
    key = {"video_id": video.id, "day": date.today().isoformat(), "event": data["event"]}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(WatchCount).values(**key, count=1)
    session.execute(statement.on_conflict_do_update(
        index_elements=["video_id", "day", "event"], set_={"count": WatchCount.count + 1}))
    session.commit()
    return "", 204


def totals(video_ids: list[str]) -> dict[str, dict[str, int]]:
    """{video_id: {event: count}} over all days, for the studio."""
    rows = db.session().execute(
        select(WatchCount.video_id, WatchCount.event, func.sum(WatchCount.count))
        .where(WatchCount.video_id.in_(video_ids)).group_by(WatchCount.video_id, WatchCount.event))
    result: dict[str, dict[str, int]] = {}
    for video_id, event, count in rows:
        result.setdefault(video_id, {})[event] = int(count)
    return result
