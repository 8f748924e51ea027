"""The one place that executes ffmpeg/ffprobe: timeout, progress and error capture."""
import collections
import ctypes
import errno
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from videodesk.core.text import whole_number


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


def die_with_parent():
    # A worker killed mid-job must not leave ffmpeg running and writing.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def run(args, *, timeout: float, on_progress=None, what: str = "ffmpeg") -> Completed:
    """Run a compiled ffmpeg/ffprobe command; return its output (the last lines of stderr).

    With `on_progress`, the command must carry `-progress pipe:1`; each reported output time
    (in seconds) is passed to the callback as it arrives, and stdout is not collected.
    """
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        preexec_fn=die_with_parent,
    )
    stderr_tail = collections.deque(maxlen=400)
    reader = threading.Thread(target=lambda: stderr_tail.extend(proc.stderr), daemon=True)
    reader.start()
    timed_out = threading.Event()

    def _kill():
        timed_out.set()
        proc.kill()

    watchdog = threading.Timer(timeout, _kill)
    watchdog.start()
    stdout = []
    started = time.monotonic()
    try:
        for line in proc.stdout:
            if on_progress is None:
                stdout.append(line)
            elif line.startswith("out_time_us="):
                microseconds = whole_number(line.split("=", 1)[1].strip())
                if microseconds is not None:
                    on_progress(microseconds / 1_000_000)
        proc.wait()
    finally:
        watchdog.cancel()
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
