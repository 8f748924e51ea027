"""The short watch totals of the studio's library, the API's "watch" field and the watch page's
interactionStatistic, read from the playback buckets (newsroom/playback/): "play" (views), "q25",
"q50", "q75" (plays that saw that percent of the video), "q100" (plays that saw its last percent)
and "error" (views with a playback error)."""
from sqlalchemy import func, select

from videodesk.core import db
from videodesk.core.models import PlaybackBin, PlaybackMinute
from videodesk.newsroom.playback.beacons import RETENTION_BINS
from videodesk.newsroom.playback.sums import RETENTION

QUARTILES = {25: "q25", 50: "q50", 75: "q75", RETENTION_BINS - 1: "q100"}


def totals(video_ids: list[str]) -> dict[str, dict[str, int]]:
    """{video_id: {name: count}} over all time, for videos with any views."""
    session = db.session()
    result: dict[str, dict[str, int]] = {}
    for video_id, views, errors in session.execute(
            select(PlaybackMinute.video_id, func.sum(PlaybackMinute.views), func.sum(PlaybackMinute.errors))
            .where(PlaybackMinute.video_id.in_(video_ids)).group_by(PlaybackMinute.video_id)):
        result[video_id] = {"play": int(views or 0), "error": int(errors or 0)}
    for video_id, percent, count in session.execute(
            select(PlaybackBin.video_id, PlaybackBin.bin, func.sum(PlaybackBin.count))
            .where(PlaybackBin.video_id.in_(video_ids), PlaybackBin.kind == RETENTION, PlaybackBin.bin.in_(list(QUARTILES)))
            .group_by(PlaybackBin.video_id, PlaybackBin.bin)):
        result.setdefault(video_id, {})[QUARTILES[percent]] = int(count)
    return result
