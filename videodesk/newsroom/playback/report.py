"""What the buckets say: one video's playback quality and audience retention over a period, and the
videos and stories ranked by views and by completion (docs/ANALYTICS.md defines every figure)."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from videodesk.core import db
from videodesk.core.errors import Invalid
from videodesk.core.models import PlaybackBin, PlaybackMinute, Story, Video
from videodesk.core.text import whole_number
from videodesk.newsroom.playback.beacons import MAX_STARTUP_MS, RETENTION_BINS, SURFACES
from videodesk.newsroom.playback.sums import COLUMNS, RENDITION, RETENTION, STARTUP, STARTUP_EDGES_MS, MinuteSums

DEFAULT_DAYS = 7
MAX_DAYS = 366
MINUTES_A_DAY = 1440
MAX_LIMIT = 100


@dataclass(frozen=True)
class Period:
    """[start, end) in whole UTC minutes."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> tuple[int, int]:
        return int(self.start.timestamp() // 60), int(self.end.timestamp() // 60)

    def days(self) -> list[date]:
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _moment(name: str, text: str, *, end: bool) -> datetime:
    """An ISO date (`to`: through the end of that day) or datetime (no offset: UTC)."""
    try:
        if len(text) == 10:
            day = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(message=f"'{name}' must be an ISO date (2026-12-04) or date and time "
                              f"(2026-12-04T09:30:00Z), not {text[:40]!r}.") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).replace(second=0, microsecond=0)


def period(from_text: str | None, to_text: str | None, now: datetime | None = None) -> Period:
    """The period the query asks for; without `to` it ends now, without `from` it starts 7 days
    before its end. Invalid (400) for unreadable, reversed or over-a-year periods."""
    try:
        end = _moment("to", to_text, end=True) if to_text else last_days(DEFAULT_DAYS, now).end
        start = _moment("from", from_text, end=False) if from_text else end - timedelta(days=DEFAULT_DAYS)
    except OverflowError:  # year 1 or 9999 pushed past the calendar's ends
        raise Invalid(message="'from' and 'to' must be dates between the years 1 and 9999.") from None
    if start >= end:
        raise Invalid(message="'from' must come before 'to'.")
    if end - start > timedelta(days=MAX_DAYS):
        raise Invalid(message=f"Ask for at most {MAX_DAYS} days at a time.")
    return Period(start, end)


def last_days(days: int, now: datetime | None = None) -> Period:
    """The `days` days up to now."""
    end = (now or datetime.now(UTC)).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return Period(end - timedelta(days=days), end)


def limit(text: str) -> int:
    """How many entries each ranking lists (`limit` from 1 to 100)."""
    number = whole_number(text)
    if number is None or not 1 <= number <= MAX_LIMIT:
        raise Invalid(message=f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return number


def percentile(counts: dict[int, int], fraction: float) -> float | None:
    """The startup time (ms) below which `fraction` of the plays fall, read from the startup
    histogram (class number: plays) by linear interpolation inside the class; None without plays."""
    total = sum(counts.values())
    if not total:
        return None
    edges = (*STARTUP_EDGES_MS, MAX_STARTUP_MS)
    wanted, below = fraction * total, 0
    for number in sorted(counts):
        if counts[number] and below + counts[number] >= wanted:
            low, high = edges[number], edges[number + 1]
            return round(low + (high - low) * (wanted - below) / counts[number], 1)
        below += counts[number]
    return float(edges[-1])


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _quality(sums: MinuteSums, startup: dict[int, int]) -> dict:
    return {"views": sums.views, "plays": sums.plays, "watch_time_s": round(sums.watch_ms / 1000, 1),
            "startup_ms": {"p50": percentile(startup, 0.5), "p95": percentile(startup, 0.95)},
            "startup_score": _ratio(sums.startup_score_sum, sums.plays),
            "rebuffer_ratio": _ratio(sums.stall_ms, sums.watch_ms + sums.stall_ms),
            "stalls": sums.stalls, "stall_time_s": round(sums.stall_ms / 1000, 1),
            "exits_before_start": sums.exits_before_start, "errors": sums.errors,
            "error_rate": _ratio(sums.errors, sums.views)}


def video_report(video: Video, span: Period) -> dict:
    """The figures of GET /api/videos/<id>/analytics."""
    first, last = span.minutes
    day = (PlaybackMinute.minute // MINUTES_A_DAY).label("day")
    rows = db.session().execute(
        select(day, PlaybackMinute.surface, *(func.sum(getattr(PlaybackMinute, name)) for name in COLUMNS))
        .where(PlaybackMinute.video_id == video.id, PlaybackMinute.minute >= first, PlaybackMinute.minute < last)
        .group_by(day, PlaybackMinute.surface))
    total, by_day = MinuteSums(), defaultdict(MinuteSums)
    by_surface = {surface: MinuteSums() for surface in SURFACES}
    for day_number, surface, *values in rows:
        sums = MinuteSums(*(value or 0 for value in values))
        for target in (total, by_day[day_number], by_surface.setdefault(surface, MinuteSums())):
            target.add(sums)
    bin_day = (PlaybackBin.minute // MINUTES_A_DAY).label("day")
    bins = db.session().execute(
        select(bin_day, PlaybackBin.kind, PlaybackBin.bin, func.sum(PlaybackBin.count))
        .where(PlaybackBin.video_id == video.id, PlaybackBin.minute >= first, PlaybackBin.minute < last)
        .group_by(bin_day, PlaybackBin.kind, PlaybackBin.bin))
    histograms: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    startup_by_day: dict[int, dict[int, int]] = defaultdict(dict)
    for day_number, kind, number, count in bins:
        histograms[kind][number] += int(count)
        if kind == STARTUP:
            startup_by_day[day_number][number] = int(count)
    seen = histograms[RETENTION]
    watched_by_height = histograms[RENDITION]
    all_heights_ms = sum(watched_by_height.values())
    days = []
    for each in span.days():
        number = (each - date(1970, 1, 1)).days
        days.append({"day": each.isoformat(), **_quality(by_day[number], startup_by_day[number])})
    return {
        "from": span.start.isoformat(), "to": span.end.isoformat(),
        **_quality(total, histograms[STARTUP]),
        "retention": [min(1.0, round(seen.get(p, 0) / total.plays, 4)) if total.plays else 0.0
                      for p in range(RETENTION_BINS)],
        "by_day": days,
        "by_surface": {surface: {"views": sums.views, "plays": sums.plays, "watch_time_s": round(sums.watch_ms / 1000, 1)}
                       for surface, sums in by_surface.items() if surface in SURFACES},
        "renditions": [{"height": height, "watch_share": round(ms / all_heights_ms, 4)}
                       for height, ms in sorted(watched_by_height.items(), reverse=True) if ms],
    }


def ranking(user, span: Period, limit: int = 10) -> dict:
    """Videos (that `user` may manage) and the stories that use them, by views and by completion (the
    average share of the video a play saw). A story counts its video's views on the article."""
    first, last = span.minutes
    in_span = (PlaybackMinute.minute >= first) & (PlaybackMinute.minute < last)
    views = {video_id: (int(all_views or 0), int(plays or 0), int(article or 0)) for video_id, all_views, plays, article in
             db.session().execute(
                 select(PlaybackMinute.video_id, func.sum(PlaybackMinute.views), func.sum(PlaybackMinute.plays),
                        func.sum(PlaybackMinute.views).filter(PlaybackMinute.surface == "article"))
                 .where(in_span).group_by(PlaybackMinute.video_id))}
    seen = dict(db.session().execute(
        select(PlaybackBin.video_id, func.sum(PlaybackBin.count))
        .where(PlaybackBin.kind == RETENTION, PlaybackBin.minute >= first, PlaybackBin.minute < last)
        .group_by(PlaybackBin.video_id)).all())
    query = select(Video).where(Video.id.in_(list(views)))
    if not user.has_role("editor"):
        query = query.where(Video.owner_id == user.id)
    videos = []
    for video in db.session().scalars(query):
        all_views, plays, _ = views[video.id]
        completion = round(min(1.0, int(seen.get(video.id) or 0) / (RETENTION_BINS * plays)), 4) if plays else None
        videos.append({"id": video.id, "title": video.title, "views": all_views, "plays": plays, "completion": completion})
    completion_of = {video["id"]: video["completion"] for video in videos}
    stories = [{"id": story.id, "slug": story.slug, "headline": story.headline, "video_id": story.video_id,
                "views": views[story.video_id][2], "completion": completion_of[story.video_id]}
               for story in db.session().scalars(select(Story).where(Story.video_id.in_(list(completion_of))))]

    def ranked(items):
        return {"by_views": sorted(items, key=lambda item: (-item["views"], item["id"]))[:limit],
                "by_completion": sorted((item for item in items if item["completion"] is not None),
                                        key=lambda item: (-item["completion"], -item["views"], item["id"]))[:limit]}

    return {"from": span.start.isoformat(), "to": span.end.isoformat(), "videos": ranked(videos), "stories": ranked(stories)}
