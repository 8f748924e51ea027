"""The one place that executes ffmpeg/ffprobe: timeout, progress and error capture."""
import collections
import contextlib
import errno
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from videodesk.core.text import whole_number

SETPRIV = shutil.which("setpriv") or "/usr/bin/setpriv"  # util-linux, essential on Debian


class MediaError(Exception):
    """A problem with the media itself, worded for the producer who uploaded it."""


class MediaTimeout(MediaError):
    pass


class DiskFull(MediaError):
    """The data folder's disk filled up: the server's problem, not the media's, so the message says so."""

    def __init__(self, what: str):
        super().__init__(f"The server ran out of disk space ({what}); free some space and reprocess the video.")


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC


@dataclass
class Completed:
    stdout: str
    stderr: str


def dying_with_parent(args: list[str]) -> list[str]:
    """`args` behind util-linux's setpriv, which sets PR_SET_PDEATHSIG: a worker killed mid-job must
    not leave ffmpeg running and writing. Unlike a preexec_fn, it lets Python spawn without forking a
    copy of the worker's memory (28 ms per command in a worker holding a speech model, against 1.6)."""
    return [SETPRIV, "--pdeathsig", "KILL", "--", *args]


def _cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return list(range(os.cpu_count() or 1))


class BulkGate:
    """Bulk encodes (ladder parts) give the CPU to interactive work (transcription, clips, quick
    versions, edits) of the same worker process. While an `interactive()` section runs, every bulk
    command is stopped (SIGSTOP) and continues (SIGCONT) when the last section ends. A section that
    needs only some cores (`interactive(cores=n)`: speech recognition on settings.whisper_threads)
    confines them to the other cores instead (the affinity of each of their threads), so the ladder
    goes on at that share of its pace. Their timeouts count only the share of time they had.
    Measured against nice levels in docs/PERFORMANCE.md."""

    def __init__(self):
        self._lock = threading.Lock()
        self._stopping = 0      # sections that need every core
        self._cores_held = 0    # cores held by sections that need only some
        self._bulk: set[subprocess.Popen] = set()
        self._cpus = _cpus()
        self.enabled = True

    @contextlib.contextmanager
    def interactive(self, cores: int | None = None):
        with self._lock:
            before = self._allowed()
            if cores is None:
                self._stopping += 1
            else:
                self._cores_held += cores
            self._apply(before)
        try:
            yield
        finally:
            with self._lock:
                before = self._allowed()
                if cores is None:
                    self._stopping -= 1
                else:
                    self._cores_held -= cores
                self._apply(before)

    def _allowed(self) -> list[int]:
        """The cores bulk commands may use now (none: stopped)."""
        if not self.enabled:
            return self._cpus
        if self._stopping:
            return []
        return self._cpus[self._cores_held:]

    @property
    def paused(self) -> bool:
        return not self._allowed()

    @property
    def share(self) -> float:
        """The part of the worker's cores its bulk commands have now."""
        return len(self._allowed()) / len(self._cpus)

    def _apply(self, before: list[int]):
        after = self._allowed()
        if after == before:
            return
        for proc in self._bulk:
            self._set(proc, before, after)

    def _set(self, proc: subprocess.Popen, before: list[int], after: list[int]):
        with contextlib.suppress(ProcessLookupError):
            if after:
                _confine(proc.pid, after)
                if not before:
                    proc.send_signal(signal.SIGCONT)
            else:
                proc.send_signal(signal.SIGSTOP)

    def add(self, proc: subprocess.Popen):
        with self._lock:
            self._bulk.add(proc)
            if self._allowed() != self._cpus:
                self._set(proc, self._cpus, self._allowed())

    def remove(self, proc: subprocess.Popen):
        with self._lock:
            self._bulk.discard(proc)


def _confine(pid: int, cpus: list[int]):
    """Every thread of a process onto these cores (threads it starts later inherit them)."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        threads = [str(pid)]
    for tid in threads:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(tid), cpus)


bulk_gate = BulkGate()


def run(args, *, timeout: float, on_progress=None, what: str = "ffmpeg", bulk: bool = False) -> Completed:
    """Run a compiled ffmpeg/ffprobe command; return its output (the last lines of stderr).

    With `on_progress`, the command must carry `-progress pipe:1`; each reported output time
    (in seconds) is passed to the callback as it arrives, and stdout is not collected.
    A `bulk` command waits while interactive work runs in this process (BulkGate).
    """
    proc = subprocess.Popen(
        dying_with_parent(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    stderr_tail = collections.deque(maxlen=400)
    reader = threading.Thread(target=lambda: stderr_tail.extend(proc.stderr), daemon=True)
    reader.start()
    timed_out = threading.Event()
    finished = threading.Event()
    progress_lock = threading.Lock()  # progress comes from this thread, or from the watchdog while stopped
    reported = {"seconds": 0.0}

    def progress(seconds: float):
        with progress_lock:
            reported["seconds"] = seconds
            on_progress(seconds)

    def _watch():
        """Kill the command once it has run for `timeout` seconds (a bulk command's time counted at
        its share of the cores). A stopped bulk command repeats its last progress each second, so its
        job's lease holds while it waits."""
        left, last = timeout, time.monotonic()
        while not finished.wait(min(left, 1.0)):
            now = time.monotonic()
            share = bulk_gate.share if bulk else 1.0
            if share == 0 and on_progress is not None:
                progress(reported["seconds"])
            left -= (now - last) * share
            last = now
            if left <= 0:
                timed_out.set()
                proc.kill()
                return

    watchdog = threading.Thread(target=_watch, daemon=True)
    watchdog.start()
    if bulk:
        bulk_gate.add(proc)
    stdout = []
    started = time.monotonic()
    try:
        for line in proc.stdout:
            if on_progress is None:
                stdout.append(line)
            elif line.startswith("out_time_us="):
                microseconds = whole_number(line.split("=", 1)[1].strip())
                if microseconds is not None:
                    progress(microseconds / 1_000_000)
        proc.wait()
    finally:
        finished.set()
        if bulk:
            bulk_gate.remove(proc)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
    if timed_out.is_set():
        raise MediaTimeout(f"{what} did not finish within {timeout:.0f} s (ran {time.monotonic() - started:.0f} s)")
    if proc.returncode != 0:
        if any("No space left on device" in line for line in stderr_tail):
            raise DiskFull(what)
        detail = " ".join(line.strip() for line in list(stderr_tail)[-40:] if line.strip())[-600:]
        raise MediaError(f"{what} failed: {detail or f'exit code {proc.returncode}'}")
    return Completed(stdout="".join(stdout), stderr="".join(stderr_tail))
