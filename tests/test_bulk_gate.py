"""How a worker shares its CPU: bulk encodes stop for interactive work, keep the cores a
transcription leaves, and never take a worker's last free thread (real ffmpeg processes)."""
import os
import subprocess
import time

import pytest

from videodesk.jobs.queue import Threads
from videodesk.media.runner import BulkGate

CPUS = sorted(os.sched_getaffinity(0))


def _threads(proc) -> list[int]:
    return [int(tid) for tid in os.listdir(f"/proc/{proc.pid}/task")]


def _state(proc) -> str:
    return open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()[0]


def _until(check, what: str, timeout: float = 20.0):
    """Signals and thread starts land asynchronously: wait for them, bounded, saying what was seen."""
    deadline = time.monotonic() + timeout
    while True:
        seen = check()
        if seen is True:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}; last seen: {seen}")
        time.sleep(0.05)


@pytest.fixture
def encode():
    """A bulk-like x264 encode with its worker threads started."""
    proc = subprocess.Popen(["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                             "testsrc2=size=640x360:rate=25:duration=600", "-c:v", "libx264", "-preset",
                             "ultrafast", "-threads", "4", "-f", "null", "-"])
    try:
        _until(lambda: len(_threads(proc)) > 2 or _threads(proc), "x264 started its threads")
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _affinities(proc) -> set[tuple]:
    found = set()
    for tid in _threads(proc):
        try:
            found.add(tuple(sorted(os.sched_getaffinity(tid))))
        except OSError:
            pass  # a thread that just ended
    return found


@pytest.mark.skipif(len(CPUS) < 2, reason="keeping a core for speech needs two")
def test_a_transcription_leaves_bulk_encodes_the_other_cores_and_a_clip_stops_them(encode):
    gate = BulkGate()
    gate.add(encode)
    with gate.interactive(cores=1):
        _until(lambda: _affinities(encode) == {tuple(CPUS[1:])} or _affinities(encode),
               "every encoder thread confined to the cores speech leaves")
        assert _state(encode) != "T" and not gate.paused
        assert gate.share == pytest.approx((len(CPUS) - 1) / len(CPUS))
        with gate.interactive():  # a clip is cut meanwhile: the encode stops
            _until(lambda: _state(encode) == "T" or _state(encode), "the encode stopped")
            assert gate.paused and gate.share == 0
        _until(lambda: _state(encode) != "T" or _state(encode), "the encode continued")
        assert _affinities(encode) == {tuple(CPUS[1:])}
    _until(lambda: _affinities(encode) == {tuple(CPUS)} or _affinities(encode), "the encode has every core again")
    assert gate.share == 1.0


def test_speech_that_needs_every_core_stops_bulk_encodes(encode):
    gate = BulkGate()
    gate.add(encode)
    with gate.interactive(cores=len(CPUS)):
        _until(lambda: _state(encode) == "T" or _state(encode), "the encode stopped")
    _until(lambda: _state(encode) != "T" or _state(encode), "the encode continued")


def test_an_encode_started_during_a_transcription_starts_confined(encode):
    gate = BulkGate()
    with gate.interactive(cores=1):
        gate.add(encode)
        expected = {tuple(CPUS[1:])} if len(CPUS) > 1 else None
        if expected:
            _until(lambda: _affinities(encode) == expected or _affinities(encode), "the new encode confined")
        else:
            _until(lambda: _state(encode) == "T" or _state(encode), "the new encode stopped (one core only)")
    gate.remove(encode)


def test_yielding_off_leaves_bulk_encodes_alone(encode):
    gate = BulkGate()
    gate.enabled = False
    gate.add(encode)
    with gate.interactive(), gate.interactive(cores=1):
        assert not gate.paused and gate.share == 1.0
        time.sleep(0.2)
        assert _state(encode) != "T" and _affinities(encode) == {tuple(CPUS)}


def test_bulk_work_never_takes_a_consumers_last_free_thread():
    threads = Threads()
    threads.count = 3
    with threads.take(bulk=True) as first, threads.take(bulk=True) as second, threads.take(bulk=True) as third:
        assert (first, second, third) == (True, True, False)
        with threads.take(bulk=False) as clip:
            assert clip  # the thread kept free
    with threads.take(bulk=False) as transcription, threads.take(bulk=True) as part:
        assert transcription and part
        with threads.take(bulk=True) as another:
            assert not another


def test_a_default_consumer_starts_a_transcription_and_a_clip_while_two_ladder_parts_run():
    threads = Threads()
    threads.count = 4
    with threads.take(bulk=True) as first, threads.take(bulk=True) as second, threads.take(bulk=True) as third:
        assert (first, second, third) == (True, True, False)
        with threads.take(speech=True) as transcription, threads.take(bulk=False) as clip:
            assert transcription and clip
    with threads.take(speech=True) as transcription, threads.take(bulk=True) as part:
        assert transcription and part
        with threads.take(bulk=True) as another:
            assert not another  # the ladder keeps the one core the transcription leaves


@pytest.mark.parametrize("count", [0, 1, 2])
def test_small_consumers_and_inline_jobs_keep_no_thread_back(count):
    threads = Threads()
    threads.count = count
    with threads.take(bulk=True) as first, threads.take(bulk=True) as second:
        assert first and second
