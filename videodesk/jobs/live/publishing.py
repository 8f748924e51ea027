"""A live stream's event on the ingest node: its playlists, kept in memory and copied to the media
store whenever a segment or a caption window is finished, so readers on any web node see the
stream as it is packaged. Rebuilt from the store's copies after a restart (`restore`)."""
import logging
import threading
import time
from datetime import datetime

from videodesk.core import db, storage
from videodesk.core.models import LiveStream
from videodesk.core.settings import EXTENSION as SETTINGS
from videodesk.jobs.live.captions import Window
from videodesk.jobs.live.event import EventPlaylist, master_text, subtitle_text
from videodesk.jobs.live.session import folder_segments
from videodesk.media.captions import cues_of, from_cues
from videodesk.newsroom import live
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)

MAIN, CAPTIONS, CAPTIONS_FILE, MASTER = "video.m3u8", "captions.m3u8", "captions.vtt", "master.m3u8"
DEFAULT_BANDWIDTH = 5_000_000
DURATION_SAVE_S = 2.0
EMPTY_VTT = "WEBVTT\n"


class LiveEvent:
    def __init__(self, app, stream_id: str, main: EventPlaylist, captions: list[tuple[str, float]],
                 cues: list[dict]):
        self.app, self.stream_id, self.main = app, stream_id, main
        self.captions, self.cues = captions, cues
        self.language: str | None = None
        self.has_audio = bool(captions)
        self.bytes = 0  # sent by this process's sessions (for BANDWIDTH)
        self.ended = False
        self.lock = threading.RLock()
        self.saved_at = 0.0
        with app.app_context():
            self.folder = storage.live_dir(stream_id)

    @classmethod
    def restore(cls, app, stream_id: str) -> "LiveEvent":
        """From the store's playlists (an event that began before a restart), else a new one."""
        with app.app_context():
            store = storage.media_store()

            def text(name):
                try:
                    return store.read_bytes(storage.live_key(stream_id, name)).decode("utf-8")
                except FileNotFoundError:
                    return None

            main, captions, cues = text(MAIN), text(CAPTIONS), text(CAPTIONS_FILE)
        return cls(app, stream_id, EventPlaylist.from_text(main) if main else EventPlaylist(),
                   [(s.uri, s.duration) for s in EventPlaylist.from_text(captions).segments] if captions else [],
                   cues_of(cues) if cues else [])

    # -- what sessions report ------------------------------------------------------------------
    def session_started(self, found):
        with self.lock:
            self.has_audio = self.has_audio or found.audio_codec is not None
            self._put_playlists()

    def sync(self, name: str, started: datetime):
        """Copy the session's finished segments to the store, then the playlists."""
        changed = False
        with self.lock:
            folder = self.folder / name
            known = sum(1 for s in self.main.segments if s.uri.startswith(name + "/"))
            for index, (segment, duration) in enumerate(folder_segments(folder)[known:], start=known):
                with self.app.app_context():
                    store = storage.media_store()
                    if index == 0:
                        store.put_file(storage.live_key(self.stream_id, f"{name}/init.mp4"), folder / "init.mp4")
                    store.put_file(storage.live_key(self.stream_id, f"{name}/{segment}"), folder / segment)
                self.bytes += (folder / segment).stat().st_size
                self.main.add(name, segment, duration, at=started if index == 0 else None)
                changed = True
            if changed:
                self._put_playlists()
                self._save_duration()

    def add_caption_window(self, window: Window):
        """A recognised window: its WebVTT file, the playlist that lists it, the whole track, the search rows."""
        with self.lock:
            if window.language and self.language is None:
                self.language = window.language
            covered = sum(duration for _uri, duration in self.captions)
            if window.start > covered + 0.05:  # a gap (a reconnect): an empty file keeps the timeline
                self._add_caption_file([], window.start - covered)
                covered = window.start
            self._add_caption_file(window.cues, max(0.1, window.end - covered))
            self.cues.extend(window.cues)
            self._put_playlists()
        if window.cues:
            with self.app.app_context():
                stream = db.session().get(LiveStream, self.stream_id)
                if stream is not None:
                    live.add_cues(stream, self.language or "en", window.cues)

    def caption_language(self) -> str | None:
        return self.language

    def _add_caption_file(self, cues: list[dict], duration: float):
        name = f"c{len(self.captions):05d}.vtt"
        self._put_text(name, from_cues(cues) if cues else EMPTY_VTT)
        self.captions.append((name, duration))

    def finish(self):
        """The stream ended: playlists get EXT-X-ENDLIST (the live URL plays the event as a replay)."""
        with self.lock:
            self.ended = True
            self._put_playlists()

    # -- writing -------------------------------------------------------------------------------
    def _put_text(self, name: str, text: str):
        with self.app.app_context():
            try:
                storage.media_store().put_bytes(storage.live_key(self.stream_id, name), text.encode("utf-8"))
            except StoreError as exc:
                log.warning("live %s: %s not stored: %s", self.stream_id, name, exc)

    def caption_label(self) -> str:
        return live.caption_label(self.language)

    def _put_playlists(self):
        window = self.app.extensions[SETTINGS].live_dvr_h * 3600
        self._put_text(MAIN, self.main.text(ended=self.ended, window_s=window))
        renditions = [(MAIN, self._bandwidth(), None, None)]
        captions = None
        if self.has_audio:
            self._put_text(CAPTIONS, subtitle_text(self.captions, ended=self.ended))
            self._put_text(CAPTIONS_FILE, from_cues(self.cues) if self.cues else EMPTY_VTT)
            captions = (CAPTIONS, self.language or "en", self.caption_label())
        self._put_text(MASTER, master_text(renditions, captions))

    def _bandwidth(self) -> int:
        """BANDWIDTH of the master: what the stream sent so far, with headroom (a guess before that)."""
        seconds = self.main.duration
        return int(self.bytes * 8 / seconds * 1.2) if seconds > 4 and self.bytes else DEFAULT_BANDWIDTH

    def _save_duration(self):
        if time.monotonic() - self.saved_at < DURATION_SAVE_S:
            return
        self.saved_at = time.monotonic()
        with self.app.app_context():
            live.record_duration(self.stream_id, self.main.duration)

