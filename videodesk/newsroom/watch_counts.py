"""Privacy-respecting watch counts: plays, quartiles and errors per video and day. Nothing
identifies a reader: no cookies, no IP addresses are stored."""
from datetime import date

from sqlalchemy import func, select

from videodesk.core import db
from videodesk.core.ids import is_random_id
from videodesk.core.models import Video, WatchCount

EVENTS = ("play", "q25", "q50", "q75", "q100", "error")


def count(video_id, event) -> bool:
    """Add one to today's count of `event` for a public video; anything else is ignored (False)."""
    if event not in EVENTS or not is_random_id(video_id):
        return False
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or not video.is_public:
        return False
    row = {"video_id": video.id, "day": date.today().isoformat(), "event": event, "count": 1}
    db.add_to_rows(session, WatchCount, [row], keys=("video_id", "day", "event"), sums=("count",))
    session.commit()
    return True


def totals(video_ids: list[str]) -> dict[str, dict[str, int]]:
    """{video_id: {event: count}} over all days, for the studio."""
    rows = db.session().execute(
        select(WatchCount.video_id, WatchCount.event, func.sum(WatchCount.count))
        .where(WatchCount.video_id.in_(video_ids)).group_by(WatchCount.video_id, WatchCount.event))
    result: dict[str, dict[str, int]] = {}
    for video_id, event, total in rows:
        result.setdefault(video_id, {})[event] = int(total)
    return result
