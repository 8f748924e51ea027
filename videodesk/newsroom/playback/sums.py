"""Beacons summed into per-video, per-minute buckets: in this process's memory first, then added to
the database's rows every few seconds in one transaction (`Recorder`). A spike of readers costs a
dict update per beacon and a bounded number of row upserts per interval, whatever the number of
beacons; every web node adds to the same rows (core.db.add_to_rows)."""
import atexit
import bisect
import logging
import os
import threading
import time
from collections import Counter
from dataclasses import astuple, dataclass, fields

from flask import current_app
from sqlalchemy import select

from videodesk.core import db
from videodesk.core.models import PlaybackBin, PlaybackMinute, Story
from videodesk.core.settings import current_settings
from videodesk.newsroom.playback.beacons import Beacon

log = logging.getLogger(__name__)

# Lower edges of the startup-time classes (ms); the last class runs to beacons.MAX_STARTUP_MS.
STARTUP_EDGES_MS = (0, 100, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 8000, 15000, 30000)
STARTUP, RETENTION, RENDITION, ERROR = "startup", "retention", "rendition", "error"
RECORDER = "videodesk.playback_recorder"  # the app extension holding this process's Recorder
# Videos one process sums between two writes: beacons naming random ids cannot grow memory (or the
# public-video query) without bound; beacons for further videos wait for the next interval's room.
MAX_VIDEOS = 5000


def startup_bin(ms: int) -> int:
    return bisect.bisect_right(STARTUP_EDGES_MS, ms) - 1


def startup_score(ms: int) -> float:
    """Mux's startup score of one view: 8/(8+s), s the seconds to the first frame (1.0 is instant)."""
    return 8 / (8 + ms / 1000)


def minute_now() -> int:
    return int(time.time() // 60)


@dataclass
class MinuteSums:
    """The summed columns of one PlaybackMinute row."""

    views: int = 0
    plays: int = 0
    exits_before_start: int = 0
    errors: int = 0
    fatal_errors: int = 0
    watch_ms: int = 0
    stall_ms: int = 0
    stalls: int = 0
    startup_score_sum: float = 0.0
    rendition_switches: int = 0

    def add(self, other: "MinuteSums"):
        for name, value in zip(COLUMNS, astuple(other), strict=True):
            setattr(self, name, getattr(self, name) + value)


COLUMNS = tuple(f.name for f in fields(MinuteSums))


class Sums:
    """Beacons added up by (video, minute, surface) and histogram bins by (video, minute, kind, bin)."""

    def __init__(self):
        self.minutes: dict[tuple[str, int, str], MinuteSums] = {}
        self.bins: Counter[tuple[str, int, str, int]] = Counter()
        self.videos: set[str] = set()

    def __bool__(self):
        return bool(self.minutes or self.bins)

    def add(self, beacon: Beacon, minute: int) -> bool:
        """Add the beacon; False (dropped) when MAX_VIDEOS other videos fill these sums."""
        if beacon.video_id not in self.videos:
            if len(self.videos) >= MAX_VIDEOS:
                return False
            self.videos.add(beacon.video_id)
        row = self.minutes.setdefault((beacon.video_id, minute, beacon.surface), MinuteSums())
        row.views += beacon.view
        row.exits_before_start += beacon.exit_before_start
        row.watch_ms += beacon.watch_ms
        row.stall_ms += beacon.stall_ms
        row.stalls += beacon.stalls
        row.rendition_switches += beacon.switches
        key = (beacon.video_id, minute)
        if beacon.startup_ms is not None:
            row.plays += 1
            row.startup_score_sum += startup_score(beacon.startup_ms)
            self.bins[(*key, STARTUP, startup_bin(beacon.startup_ms))] += 1
        if beacon.error_code is not None:
            row.errors += 1
            row.fatal_errors += beacon.error_fatal
            self.bins[(*key, ERROR, beacon.error_code)] += 1
        for percent in beacon.seen:
            self.bins[(*key, RETENTION, percent)] += 1
        for height, ms in beacon.heights:
            self.bins[(*key, RENDITION, height)] += ms
        return True

    def merge(self, other: "Sums"):
        """Add sums that could not be written (their videos count against MAX_VIDEOS again)."""
        for key, row in other.minutes.items():
            self.minutes.setdefault(key, MinuteSums()).add(row)
        self.bins.update(other.bins)
        self.videos |= other.videos

    def write(self) -> int:
        """Add these sums to the database's rows (videos without a published story are skipped: the
        beacon route cannot afford to look each one up). Returns the rows written."""
        session = db.session()
        ids = sorted(self.videos)
        public = {video_id for start in range(0, len(ids), 500) for video_id in session.scalars(
            select(Story.video_id).distinct().where(Story.video_id.in_(ids[start:start + 500]), Story.live_clause()))}
        minutes = [{"video_id": video, "minute": minute, "surface": surface, **vars(row)}
                   for (video, minute, surface), row in self.minutes.items() if video in public]
        bins = [{"video_id": video, "minute": minute, "kind": kind, "bin": number, "count": count}
                for (video, minute, kind, number), count in self.bins.items() if video in public and count]
        db.add_to_rows(session, PlaybackMinute, minutes, keys=("video_id", "minute", "surface"), sums=COLUMNS)
        db.add_to_rows(session, PlaybackBin, bins, keys=("video_id", "minute", "kind", "bin"), sums=("count",))
        session.commit()
        return len(minutes) + len(bins)


class Recorder:
    """One app's sums in this process and the daemon thread that writes them: at most once every
    `analytics_flush_s` seconds, at once when a beacon ends a quiet interval (so a spike costs one
    write per interval, and a lone play shows without waiting). A sum that fails to write is kept
    for the next try; sums still in memory are written when the process exits normally."""

    def __init__(self, app, interval: float):
        self.pid, self._app, self._interval = os.getpid(), app, interval
        self._lock, self._sums, self._waiting = threading.Lock(), Sums(), threading.Event()
        threading.Thread(target=self._run, name="playback-sums", daemon=True).start()
        atexit.register(self.flush)

    def add(self, beacon: Beacon):
        with self._lock:
            self._sums.add(beacon, minute_now())
        self._waiting.set()

    def _run(self):
        while True:
            self._waiting.wait()
            self._waiting.clear()
            self.flush()
            time.sleep(self._interval)

    def flush(self) -> int:
        with self._lock:
            taken, self._sums = self._sums, Sums()
        if not taken:
            return 0
        try:
            with self._app.app_context():
                return taken.write()
        except Exception:  # the database is away: keep the sums for the next interval
            log.exception("playback sums not written; kept for the next try")
            with self._lock:
                self._sums.merge(taken)
            return 0


_recorders_made = threading.Lock()


def record(beacon: Beacon):
    """Add a checked beacon to the running app's sums (written at once when `analytics_flush_s` is 0).
    Each process makes its own recorder: gunicorn forks workers, and a parent's thread is not theirs."""
    interval = current_settings().analytics_flush_s
    if interval <= 0:
        sums = Sums()
        sums.add(beacon, minute_now())
        sums.write()
        return
    app = current_app._get_current_object()
    recorder = app.extensions.get(RECORDER)
    if recorder is None or recorder.pid != os.getpid():
        with _recorders_made:
            recorder = app.extensions.get(RECORDER)
            if recorder is None or recorder.pid != os.getpid():
                recorder = app.extensions[RECORDER] = Recorder(app, interval)
    recorder.add(beacon)
