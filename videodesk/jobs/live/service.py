"""The ingest service (`flask --app app ingest`, started by `flask serve` with the web server and the
worker): nginx for RTMP, libsrt for SRT, one packaging session per publishing encoder, and a loop
that applies the rules of time (reconnect window, maximum length, free disk) and turns ended
streams into recordings. docs/LIVE.md explains the design; docs/MANY_MACHINES.md where it runs."""
import contextlib
import http.server
import logging
import shutil
import signal
import socket
import subprocess
import threading
import urllib.parse
import urllib.request
from datetime import timedelta

from sqlalchemy import select

from videodesk.core import db, storage
from videodesk.core.errors import DomainError
from videodesk.core.lifecycle import live as lifecycle
from videodesk.core.lifecycle.live import EndReason, LiveStatus
from videodesk.core.models import LiveStream, utcnow
from videodesk.core.settings import EXTENSION as SETTINGS
from videodesk.jobs.live import rtmp
from videodesk.jobs.live.publishing import LiveEvent
from videodesk.jobs.live.recording import RECORDED_MARK, make_recording
from videodesk.jobs.live.session import Session, session_name
from videodesk.jobs.live.srt import SrtListener, SrtUnavailable
from videodesk.media import speech
from videodesk.media.runner import dying_with_parent
from videodesk.newsroom import live

log = logging.getLogger(__name__)

TICK_S = 1.0
# Below this much free space in the data folder a running stream is ended (what it recorded stays).
MIN_FREE_BYTES = 300 * 1024 * 1024



class IngestService:
    def __init__(self, app):
        self.app = app
        self.settings = settings = app.extensions[SETTINGS]
        self.folder = settings.data_dir / "ingest"
        self.events: dict[str, LiveEvent] = {}
        self.sessions: dict[str, Session] = {}
        self.recording: set[str] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.nginx: subprocess.Popen | None = None
        self.control_port: int | None = None
        self._engine = None

    # -- start and stop ------------------------------------------------------------------------
    def start(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.app.app_context():
            self._forget_stale_connections()
        callbacks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _callback_handler(self))
        callbacks.daemon_threads = True
        threading.Thread(target=callbacks.serve_forever, daemon=True, name="rtmp-callbacks").start()
        self._start_nginx(callbacks.server_address[1])
        host, port = self.settings.ingest_host, self.settings.srt_port
        try:
            srt = SrtListener(host, port, self._admit_srt, self._run_srt)
            threading.Thread(target=srt.serve_forever, daemon=True, name="srt").start()
            log.info("SRT ingest on %s:%s", host, port)
        except (SrtUnavailable, OSError) as exc:
            log.error("no SRT ingest: %s", exc)

    def _start_nginx(self, callback_port: int):
        binary, module = rtmp.nginx_binary(), rtmp.rtmp_module()
        if not binary or not module:
            log.error("no RTMP ingest: nginx and libnginx-mod-rtmp are not installed (make run installs them)")
            return
        with contextlib.closing(socket.socket()) as probe:
            probe.bind(("127.0.0.1", 0))
            self.control_port = probe.getsockname()[1]
        config = rtmp.nginx_config(folder=self.folder, module=module, host=self.settings.ingest_host,
                                   port=self.settings.rtmp_port, callback_port=callback_port,
                                   control_port=self.control_port)
        (self.folder / "nginx.conf").write_text(config)
        self.nginx = subprocess.Popen(dying_with_parent([binary, "-p", str(self.folder), "-c",
                                                         str(self.folder / "nginx.conf"), "-e", "stderr"]))
        log.info("RTMP ingest on %s:%s (nginx)", self.settings.ingest_host, self.settings.rtmp_port)

    def run_forever(self):
        signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        try:
            while not self.stopping.wait(TICK_S):
                if self.nginx is not None and self.nginx.poll() is not None:
                    log.error("nginx stopped (exit %s); the ingest service stops", self.nginx.returncode)
                    break
                try:
                    with self.app.app_context():
                        self.tick()
                except Exception:
                    log.exception("ingest: the periodic check failed; trying again")
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self):
        for session in list(self.sessions.values()):
            session.stop()
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.nginx.wait(timeout=10)

    def _forget_stale_connections(self):
        """After a restart no encoder is connected here: streams left 'connected' may reconnect."""
        for stream in db.session().scalars(select(LiveStream).where(LiveStream.connected_at.is_not(None))):
            lifecycle.disconnect(stream, utcnow())
        db.session().commit()

    # -- who may publish -----------------------------------------------------------------------
    def admit(self, stream_key: str) -> str | None:
        """The stream id an encoder may publish to now, marked connected; None to refuse it."""
        with self.app.app_context():
            try:
                stream = live.authorize_publish(stream_key)
            except DomainError as refused:
                log.info("refused a publisher: %s", refused.message)
                return None
            with self.lock:
                if stream.id in self.sessions:
                    return None
                self.sessions[stream.id] = None  # held until the session object is made
            live.connected(stream)
            return stream.id

    def _admit_srt(self, streamid: str):
        return self.admit(streamid)

    def _run_srt(self, stream_id: str, receive):
        self._run_session(stream_id, "pipe:0", receive)

    def rtmp_published(self, stream_key: str) -> bool:
        stream_id = self.admit(stream_key)
        if stream_id is None:
            return False
        url = rtmp.play_url(self.settings.rtmp_port, stream_key)
        threading.Thread(target=self._run_session, args=(stream_id, url, None), daemon=True).start()
        return True

    def rtmp_done(self, stream_key: str):
        with self.app.app_context():
            stream = db.session().scalar(select(LiveStream).where(LiveStream.stream_key == stream_key))
        session = self.sessions.get(stream.id) if stream else None
        if session is not None:
            session.stop()

    def _run_session(self, stream_id: str, url: str, receive):
        session = Session(self.event_for(stream_id), session_name(), url, receive=receive,
                          captions_engine=self.captions_engine)
        with self.lock:
            self.sessions[stream_id] = session
        try:
            session.run()
        except Exception:
            log.exception("live %s: the session crashed", stream_id)
        finally:
            with self.lock:
                self.sessions.pop(stream_id, None)
            with self.app.app_context():
                stream = db.session().get(LiveStream, stream_id)
                if stream is not None:
                    live.disconnected(stream)

    def captions_engine(self):
        """Whisper, loaded on first use and shared by every stream of this process."""
        if self._engine is None:
            self._engine = speech.engine_for(self.settings.whisper_model, self.settings.data_dir,
                                           self.settings.whisper_threads)
        return self._engine

    def event_for(self, stream_id: str) -> LiveEvent:
        with self.lock:
            event = self.events.get(stream_id)
            if event is None:
                event = self.events[stream_id] = LiveEvent.restore(self.app, stream_id)
            return event

    # -- the rules of time ---------------------------------------------------------------------
    def tick(self):
        now = utcnow()
        session = db.session()
        reconnect = timedelta(seconds=self.settings.live_reconnect_s)
        longest = timedelta(hours=self.settings.live_max_h)
        disk_full = shutil.disk_usage(self.settings.data_dir).free < MIN_FREE_BYTES
        for stream in session.scalars(select(LiveStream).where(LiveStream.status == LiveStatus.LIVE)):
            reason = None
            if stream.started_at and now - stream.started_at > longest:
                reason = EndReason.MAX_LENGTH
            elif disk_full:
                reason = EndReason.DISK_FULL
            elif stream.connected_at is None and stream.id not in self.sessions and (
                    stream.disconnected_at is None or now - stream.disconnected_at > reconnect):
                reason = EndReason.ENCODER_GONE
            if reason is not None:
                log.info("live %s ends: %s", stream.id, reason.value)
                live.end_by_ingest(stream, reason)
        ended = session.scalars(select(LiveStream).where(LiveStream.status == LiveStatus.ENDED,
                                                         LiveStream.video_id.is_(None)))
        for stream in ended:
            running = self.sessions.get(stream.id)
            if running is not None:
                running.stop()
                self._drop_publisher(stream.stream_key)
                continue
            if stream.id in self.sessions or stream.id in self.recording:
                continue
            folder = storage.live_dir(stream.id)
            if folder.is_dir() and not (folder / RECORDED_MARK).exists():
                self.recording.add(stream.id)
                threading.Thread(target=self._record, args=(stream.id,), daemon=True).start()

    def _drop_publisher(self, stream_key: str):
        if self.control_port is None:
            return
        with contextlib.suppress(OSError):
            urllib.request.urlopen(rtmp.drop_url(self.control_port, stream_key), timeout=2).close()

    def _record(self, stream_id: str):
        try:
            event = self.event_for(stream_id)
            event.finish()
            make_recording(self.app, event)
            with self.lock:
                self.events.pop(stream_id, None)
        except Exception:
            log.exception("live %s: the recording could not be made", stream_id)
        finally:
            self.recording.discard(stream_id)


def _callback_handler(service: IngestService):
    class Callbacks(http.server.BaseHTTPRequestHandler):
        """nginx-rtmp's on_publish / on_publish_done: a 2xx lets the encoder publish, a 403 refuses it."""

        def do_POST(self):
            length = min(int(self.headers.get("Content-Length") or 0), 16384)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8", errors="replace"))
            key = (form.get("name") or [""])[0]
            status = 200
            if self.path == "/rtmp/publish":
                status = 200 if service.rtmp_published(key) else 403
            elif self.path == "/rtmp/done":
                service.rtmp_done(key)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Callbacks
