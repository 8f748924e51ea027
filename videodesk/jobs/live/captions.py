"""Live captions: Whisper (media/speech.py, the bundled model) over the live sound in short
windows, each cut at a pause where one comes (else at the longest window), so a word is rarely
split. A window's cues, on the event's timeline, are published as soon as they are recognised:
one WebVTT file per window listed in the captions' HLS playlist (the subtitle rendition of the
live master), the whole track so far as captions.vtt, and searchable rows (newsroom/live.add_cues).

The captions lag the picture by about one window plus the time Whisper takes on it (docs/LIVE.md,
bench/live_latency.py)."""
import collections
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from videodesk.media.speech import SAMPLE_RATE, cues_from_words, load_audio

log = logging.getLogger(__name__)

MIN_WINDOW_S = 2.5   # a window is cut at the first pause after this much sound...
MAX_WINDOW_S = 5.0   # ...or here, at its quietest moment, when no pause came
FRAME_S = 0.05
PAUSE_LEVEL = 0.01   # RMS of a 50 ms frame below which it counts as a pause
BYTES_PER_SAMPLE = 2
MAX_BACKLOG_S = 8.0  # sound waiting for Whisper beyond this is skipped


@dataclass
class Window:
    start: float   # seconds on the event's timeline
    end: float
    cues: list[dict]
    language: str | None  # what Whisper heard (None: no speech)


def cut_point(samples, min_s: float = MIN_WINDOW_S, max_s: float = MAX_WINDOW_S) -> int | None:
    """Where to end the next window (a sample index), or None to wait for more sound."""
    import numpy

    frame = int(FRAME_S * SAMPLE_RATE)
    frames = len(samples) // frame
    first = int(min_s / FRAME_S)
    if frames <= first:
        return None
    levels = numpy.sqrt(numpy.mean(samples[: frames * frame].reshape(frames, frame) ** 2, axis=1))
    last = min(frames, int(max_s / FRAME_S))
    quiet = numpy.nonzero(levels[first:last] < PAUSE_LEVEL)[0]
    if quiet.size:
        return (first + int(quiet[0]) + 1) * frame
    if frames < int(max_s / FRAME_S):
        return None
    return (first + int(numpy.argmin(levels[first:last])) + 1) * frame


class PcmBuffer:
    """The packager's PCM, drained from its stdout at once (so ffmpeg never waits for Whisper) and
    handed to the captioner, which skips what Whisper cannot keep up with rather than queue it."""

    def __init__(self, stream):
        self.chunks: collections.deque[bytes] = collections.deque()
        self.done = False
        self.ready = threading.Condition()
        threading.Thread(target=self._drain, args=(stream,), daemon=True).start()

    def _drain(self, stream):
        while data := stream.read1(65536):
            with self.ready:
                self.chunks.append(data)
                self.ready.notify()
        with self.ready:
            self.done = True
            self.ready.notify()

    def read(self, _size: int = 0) -> bytes:
        """What arrived since the last read (waits for some); b"" once the packager has ended."""
        with self.ready:
            self.ready.wait_for(lambda: self.chunks or self.done)
            data = b"".join(self.chunks)
            self.chunks.clear()
            return data



class LiveCaptioner:
    """Reads one session's PCM (s16le, 16 kHz, mono) from a PcmBuffer until it ends, and hands
    each recognised window to `publish(window)`. `offset_s` is the session's place on the event."""

    def __init__(self, engine_factory: Callable[[], object], offset_s: float, publish: Callable[[Window], None],
                 language: Callable[[], str | None]):
        self.engine_factory, self.offset_s, self.publish, self.language = engine_factory, offset_s, publish, language

    def run(self, source: PcmBuffer):
        import numpy

        pending = numpy.zeros(0, dtype=numpy.float32)
        consumed = 0  # samples of this session already windowed (or skipped)
        leftover = b""
        while True:
            data = source.read()
            if not data:
                break
            waiting = len(pending) + (len(leftover) + len(data)) // BYTES_PER_SAMPLE
            if waiting > MAX_BACKLOG_S * SAMPLE_RATE:
                # Whisper fell behind: skip to the live sound rather than caption ever later.
                log.warning("live captions: %.1f s of sound skipped to keep up", waiting / SAMPLE_RATE)
                consumed += waiting
                pending, leftover = numpy.zeros(0, dtype=numpy.float32), b""
                continue
            data = leftover + data
            whole = len(data) // BYTES_PER_SAMPLE * BYTES_PER_SAMPLE
            data, leftover = data[:whole], data[whole:]
            pending = numpy.concatenate([pending, load_audio(data)])
            cut = cut_point(pending)
            while cut is not None:
                self._recognise(pending[:cut], consumed)
                consumed += cut
                pending = pending[cut:]
                cut = cut_point(pending)
        if len(pending):
            self._recognise(pending, consumed)

    def _recognise(self, samples, first_sample: int):
        start = self.offset_s + first_sample / SAMPLE_RATE
        end = start + len(samples) / SAMPLE_RATE
        words, language = [], None
        try:
            transcript = self.engine_factory().transcribe(samples, language_hint=self.language())
            words, language = transcript.words, transcript.language
        except Exception:  # a window that fails leaves a gap in the captions, not a dead stream
            log.exception("live captions: a window could not be recognised")
        cues = [{"start": round(start + cue["start"], 3), "end": round(min(end, start + cue["end"]), 3),
                 "text": cue["text"]} for cue in cues_from_words(words)]
        self.publish(Window(start, end, cues, language if words else None))
