"""Real processes for end-to-end tests: gunicorn serving app.py and `flask worker` consumers."""
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from . import needs

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout=60.0, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# A job that reports nothing new for this long has stalled (however long it takes while it advances).
STALL_S = 120.0


def wait_while_progressing(read, done, what="the work", stall_s=STALL_S, interval=0.2):
    """Wait for `done(state)` on the states `read()` returns, as long as the state keeps changing
    (progress, step, captioning): a busy machine is slow, not stuck. Fails with the last state
    reported once nothing changed for `stall_s` seconds."""
    last, changed = None, time.monotonic()
    while True:
        state = read()
        if done(state):
            return state
        if state != last:
            last, changed = state, time.monotonic()
        elif time.monotonic() - changed > stall_s:
            raise AssertionError(f"{what}: nothing changed for {stall_s:.0f} s; last reported {state}")
        time.sleep(interval)


def wait_for_video(base: str, headers: dict, video_id: str, done=None, what=None) -> dict:
    """The video's API answer once `done(video)` (default: ready or failed), waiting while its
    status, progress or captioning advance."""
    done = done or (lambda video: video.get("status") in ("ready", "failed"))
    return wait_while_progressing(
        lambda: requests.get(f"{base}/api/videos/{video_id}", headers=headers, timeout=10).json(), done,
        what=what or f"video {video_id}")


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Instance:
    """One videodesk installation: a data folder, a web server and any number of workers."""

    def __init__(self, data_dir: Path, **env):
        needs.require("server")
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "VIDEODESK_DATA": str(data_dir), "PORT": str(self.port), **env}
        self.env.pop("DATABASE_URL", None) if "DATABASE_URL" not in env else None
        self.web = None
        self.workers = []
        self.ingest = None
        self.logs = data_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def flask(self, *args, check=True) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120, check=check)

    def serve(self, *roles: str) -> "Instance":
        """Migrated, with a token per role in `headers` (made in-process: helpers.role_headers; by
        default producer, editor and admin), the web server and one worker running."""
        from .helpers import role_headers
        self.headers = role_headers(self.data_dir, *((roles,) if roles else ()))
        self.start_web()
        self.start_worker()
        return self

    def create_token(self, role: str, name: str | None = None) -> str:
        """A user with `role` and their API token, through the `flask create-token` command a newcomer uses."""
        output = self.flask("create-token", "--role", role, *(("--name", name) if name else ())).stdout
        return output.strip().splitlines()[-1]

    def _spawn(self, args, log_name):
        log = open(self.logs / log_name, "ab")
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_web(self):
        self.web = self._spawn([str(BIN / "gunicorn"), "--config", "python:videodesk.cli.gunicorn_conf",
                                "--bind", f"127.0.0.1:{self.port}", "app:app"], "web.log")
        wait_until(self._healthy, timeout=30, what="gunicorn to answer /healthz")

    def _healthy(self):
        try:
            return requests.get(self.base + "/healthz", timeout=2).json() == {"ok": True}
        except (requests.RequestException, ValueError):
            return False

    def start_worker(self, env=None):
        worker = self._spawn([str(BIN / "flask"), "--app", "app", "worker"], f"worker{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def start_ingest(self):
        """The live ingest service on the ports of VIDEODESK_RTMP_PORT / VIDEODESK_SRT_PORT in env."""
        needs.require("live")
        self.ingest = self._spawn([str(BIN / "flask"), "--app", "app", "ingest"], "ingest.log")
        port = int(self.env["VIDEODESK_RTMP_PORT"])
        wait_until(lambda: _accepts(port), timeout=120, what="nginx to listen for RTMP")
        return self.ingest

    @staticmethod
    def stop_process(process, sig=signal.SIGTERM):
        if process and process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop(self):
        """All processes are told to stop at once, then waited for (each may take seconds to drain)."""
        running = [p for p in (self.web, *self.workers, self.ingest) if p and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            self.stop_process(process)

    def log_text(self, tail: int | None = 3000) -> str:
        """The processes' logs, each cut to its last `tail` characters (None: whole) to keep failure messages short."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-tail if tail else 0:]}"
                         for p in self.logs.iterdir())


def as_postgres(args):
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PostgresCluster:
    """A PostgreSQL server of its own on a loopback port; it can be stopped and started again (same data, same port)."""

    def __init__(self):
        needs.require("postgres")
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not binaries:
            raise RuntimeError("PostgreSQL is missing; `make test` installs it")
        self.bindir = binaries[-1]
        # Not under pytest's root-only temp folder: the server runs as the postgres user.
        self.folder = Path(tempfile.mkdtemp(prefix="videodesk-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"
        subprocess.run(as_postgres([f"{self.bindir}/initdb", "-D", str(self.folder / "data"), "-U", "postgres",
                                    "--auth=trust"]), check=True, capture_output=True)
        self.start()

    def _ctl(self, *args, check=True):
        return subprocess.run(as_postgres([f"{self.bindir}/pg_ctl", "-D", str(self.folder / "data"), *args]),
                              check=check, capture_output=True)

    def start(self):
        self._ctl("-l", str(self.folder / "log"), "-w", "start",
                  "-o", f"-h 127.0.0.1 -p {self.port} -k {self.folder}")

    def stop(self, check=True):
        self._ctl("-m", "fast", "-w", "stop", check=check)

    def createdb_command(self) -> list[str]:
        return [f"{self.bindir}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]

    def new_database(self, name: str) -> str:
        subprocess.run([*self.createdb_command(), name], check=True, capture_output=True)
        return f"{self.url}/{name}"

    def remove(self):
        self.stop(check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
