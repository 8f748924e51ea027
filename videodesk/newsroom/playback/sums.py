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

    def __bool__(self):
        return bool(self.minutes or self.bins)

    def add(self, beacon: Beacon, minute: int):
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

    def merge(self, other: "Sums"):
        for key, row in other.minutes.items():
            self.minutes.setdefault(key, MinuteSums()).add(row)
        self.bins.update(other.bins)

    def write(self) -> int:
        """Add these sums to the database's rows (videos without a published story are skipped: the
        beacon route cannot afford to look each one up). Returns the rows written."""
        session = db.session()
        video_ids = {key[0] for key in self.minutes} | {key[0] for key in self.bins}
        public = set(session.scalars(select(Story.video_id).distinct().where(
            Story.video_id.in_(video_ids), Story.live_clause())))
        minutes = [{"video_id": video, "minute": minute, "surface": surface, **vars(row)}
                   for (video, minute, surface), row in self.minutes.items() if video in public]
        bins = [{"video_id": video, "minute": minute, "kind": kind, "bin": number, "count": count}
                for (video, minute, kind, number), count in self.bins.items() if video in public and count]
        db.add_to_rows(session, PlaybackMinute, minutes, keys=("video_id", "minute", "surface"), sums=COLUMNS)
        db.add_to_rows(session, PlaybackBin, bins, keys=("video_id", "minute", "kind", "bin"), sums=("count",))
        session.commit()
        return len(minutes) + len(bins)


class Recorder:
    """This process's sums and the daemon thread that writes them every `analytics_flush_s` seconds
    (0: at once, in the request). A sum that fails to write is kept for the next try; sums still in
    memory are written when the process exits normally."""

    def __init__(self):
        self._pid = None

    def _start(self, app, interval: float):
        """Once per process (gunicorn forks workers: a thread or lock of the parent is not ours)."""
        self._pid, self._app, self._interval = os.getpid(), app, interval
        self._lock, self._sums, self._wake = threading.Lock(), Sums(), threading.Event()
        threading.Thread(target=self._run, name="playback-sums", daemon=True).start()
        atexit.register(self.flush)

    def add(self, beacon: Beacon):
        interval = current_settings().analytics_flush_s
        if interval <= 0:
            sums = Sums()
            sums.add(beacon, minute_now())
            sums.write()
            return
        if self._pid != os.getpid():
            self._start(current_app._get_current_object(), interval)
        with self._lock:
            self._sums.add(beacon, minute_now())

    def _run(self):
        while not self._wake.wait(self._interval):
            self.flush()

    def flush(self) -> int:
        if self._pid != os.getpid():
            return 0
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


recorder = Recorder()
