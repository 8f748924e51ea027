"""One encoder connection of a live stream: probe what it sends, package it with ffmpeg into the
stream's folder on this node, and copy every finished segment to the media store at once, then the
playlists (so any web node serves the stream, and a reader never meets a segment not yet stored).

A session ends when its input ends (the encoder left), when the service stops it (the stream was
ended), or when ffmpeg fails; the stream stays live for the reconnect window after it, and a new
session continues the same event."""
import contextlib
import json
import logging
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from videodesk.jobs.live.captions import LiveCaptioner, PcmBuffer
from videodesk.jobs.live.event import local_segments
from videodesk.media import live as commands
from videodesk.media.runner import dying_with_parent

log = logging.getLogger(__name__)

SYNC_S = 0.25            # how often the session looks for finished segments
PROBE_ATTEMPTS = 8       # nginx accepts a player only once the publish is set up
PLAY_ATTEMPTS = 30
QUICK_EXIT_S = 3.0       # a packager that stops this soon was refused (too early), not ended
PROBE_TIMEOUT_S = 15
PROBE_BYTES = 600_000    # MPEG-TS received over SRT that the probe looks at (a few seconds)
STOP_GRACE_S = 5         # after SIGINT, ffmpeg writes its last segment; then it is killed


class Session:
    """`event` is the stream's LiveEvent (service.py), shared with the sessions before and after."""

    def __init__(self, event, name: str, url: str, *, receive: Callable[[], bytes] | None = None,
                 captions_engine=None):
        self.event, self.name, self.url, self.receive = event, name, url, receive
        self.captions_engine = captions_engine
        self.processes: list[subprocess.Popen] = []
        self.stopping, self.restart = threading.Event(), threading.Event()
        self.error: str | None = None

    # -- probing -------------------------------------------------------------------------------
    def _probe_url(self) -> commands.LiveInput | None:
        for _attempt in range(PROBE_ATTEMPTS):
            if self.stopping.is_set():
                return None
            try:
                result = subprocess.run(dying_with_parent(commands.probe_command(self.url)), capture_output=True, text=True,
                                        timeout=PROBE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                continue
            if result.returncode == 0:
                found = commands.read_probe(json.loads(result.stdout or "{}"))
                if found.video_codec:
                    return found
            time.sleep(0.2)
        return None

    def _probe_bytes(self) -> tuple[commands.LiveInput | None, bytes]:
        received = bytearray()
        while len(received) < PROBE_BYTES:
            packet = self.receive()
            if not packet:
                break
            received += packet
        try:
            result = subprocess.run(dying_with_parent(commands.probe_command("pipe:0")), input=bytes(received), capture_output=True,
                                    timeout=PROBE_TIMEOUT_S)
            found = commands.read_probe(json.loads(result.stdout or b"{}")) if result.returncode == 0 else None
        except (subprocess.TimeoutExpired, ValueError):
            found = None
        return (found if found and found.video_codec else None), bytes(received)

    # -- running -------------------------------------------------------------------------------
    def run(self):
        """Blocks until the session is over. RTMP: packaging starts at once as a pass-through
        (nginx-rtmp keeps no backlog, so every second spent probing first would be lost), while a
        probe checks the codecs; a stream that is not H.264/AAC is packaged again, encoded, in a new
        session after a discontinuity. SRT: the first bytes are held while they are probed."""
        if self.receive is not None:
            found, head = self._probe_bytes()
            if found is None:
                self.error = "The encoder's stream could not be read (no video found in its first seconds)."
                log.warning("live %s: %s", self.event.stream_id, self.error)
                return
            self._package(found, head)
            return
        checked: list[commands.LiveInput | None] = []

        def check():
            checked.append(self._probe_url())
            if checked[0] is not None and not (checked[0].video_passes and checked[0].audio_passes):
                self.restart.set()
                self._signal_all()

        threading.Thread(target=check, daemon=True).start()
        for _attempt in range(PLAY_ATTEMPTS):  # nginx lets a player in once the publish is set up
            began = time.monotonic()
            self._package(commands.LiveInput("h264", "aac", None), b"")
            if self.stopping.is_set() or self.restart.is_set() or time.monotonic() - began > QUICK_EXIT_S:
                break
            time.sleep(0.1)
        if self.restart.is_set() and not self.stopping.is_set():
            self.restart.clear()
            self.name = session_name()
            self._package(checked[0], b"")

    def _package(self, found: commands.LiveInput, head: bytes):
        offset = self.event.main.duration
        folder = self.event.folder / self.name
        folder.mkdir(parents=True, exist_ok=True)
        main = subprocess.Popen(dying_with_parent(commands.package_command(self.url, found, folder, offset,
                                                                      captions_audio=True)),
                                stdin=subprocess.PIPE if self.receive else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.processes = [main]
        self.event.session_started(found)
        threads = [threading.Thread(target=self._drain_errors, args=(main,), daemon=True)]
        if found.audio_codec and self.captions_engine is not None:
            captioner = LiveCaptioner(self.captions_engine, offset, self.event.add_caption_window,
                                      self.event.caption_language)
            threads.append(threading.Thread(target=captioner.run, args=(PcmBuffer(main.stdout),), daemon=True))
        else:
            threads.append(threading.Thread(target=main.stdout.read, daemon=True))
        if self.receive is not None:
            threads.append(threading.Thread(target=self._feed, args=(main, head), daemon=True))
        for thread in threads:
            thread.start()
        started = datetime.now(UTC)
        while main.poll() is None:
            self.event.sync(self.name, started)
            time.sleep(SYNC_S)
        self._finish(main)
        for thread in threads:
            thread.join(timeout=30)
        self.event.sync(self.name, started)

    def _feed(self, process: subprocess.Popen, head: bytes):
        """SRT: the bytes received go to the packager's stdin until the caller leaves."""
        try:
            packet = head
            while packet and not self.stopping.is_set():
                process.stdin.write(packet)
                packet = self.receive()
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                process.stdin.close()

    def _drain_errors(self, process: subprocess.Popen):
        tail = []
        for line in process.stderr:
            tail = [*tail[-20:], line.decode(errors="replace").strip()]
        if process.wait() not in (0, 255, -signal.SIGINT) and tail:
            self.error = " ".join(tail)[-500:]
            log.warning("live %s: ffmpeg: %s", self.event.stream_id, self.error)

    def _finish(self, process: subprocess.Popen):
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self):
        """The stream ended (or the service stops): let ffmpeg close its last segment."""
        self.stopping.set()
        self._signal_all()

    def _signal_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)


def session_name() -> str:
    """Sortable and unique per stream: sessions of an event follow each other in time."""
    return f"s{int(time.time() * 1000)}"


def folder_segments(folder: Path) -> list[tuple[str, float]]:
    """The segments ffmpeg has finished in a session's folder (none yet: [])."""
    playlist = folder / "index.m3u8"
    try:
        return local_segments(playlist.read_text())
    except (FileNotFoundError, ValueError):
        return []
