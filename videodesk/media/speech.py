"""Automatic captions: offline speech-to-text behind a small interface, and the segmentation of
timed words into readable cues (at most 2 lines of 42 characters, 1 to 7 seconds each).

Default engine: pocketsphinx, whose US English model ships inside its wheel (nothing is fetched at
run time). Optional: faster-whisper, when VIDEODESK_WHISPER_MODEL names a local model folder."""
import re
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from videodesk.media.command import compile_command, open_input, output_path
from videodesk.media.probe import MediaInfo

SAMPLE_RATE = 16000
MAX_LINE = 42
MAX_LINES = 2
MIN_CUE_S, MAX_CUE_S = 1.0, 7.0
PAUSE_S = 0.7      # a silence this long ends a cue when the cue is long enough already
MAX_WORD_S = 2.0   # no spoken word lasts longer; such a "word" is music or noise the model forced into words


@dataclass
class Word:
    text: str
    start: float
    end: float


def audio_command(src, info: MediaInfo, dst) -> list[str]:
    """16 kHz mono 16-bit PCM: what speech engines eat."""
    audio = open_input(src, info.demuxer)[str(info.audio.index)]
    return compile_command(ffmpeg.output(audio, output_path(dst), ac=1, ar=SAMPLE_RATE, f="s16le",
                                         **{"c:a": "pcm_s16le"}), progress=True)


class PocketSphinxEngine:
    name = "pocketsphinx"
    language = "en"
    _FILLER = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")

    def transcribe(self, pcm_path: Path, report=lambda fraction: None) -> list[Word]:
        from pocketsphinx import Decoder, Segmenter

        decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        frame_rate = decoder.config["frate"]
        total = max(1, pcm_path.stat().st_size)
        words = []
        with open(pcm_path, "rb") as stream:
            # Voice activity detection first: each utterance is decoded alone, timed from its start.
            for segment in Segmenter(sample_rate=SAMPLE_RATE).segment(stream):
                decoder.start_utt()
                decoder.process_raw(segment.pcm, full_utt=True)
                decoder.end_utt()
                for seg in decoder.seg():
                    text = re.sub(r"\(\d+\)$", "", seg.word)
                    duration = (seg.end_frame + 1 - seg.start_frame) / frame_rate
                    if not self._FILLER.match(text) and duration <= MAX_WORD_S:
                        words.append(Word(text, segment.start_time + seg.start_frame / frame_rate,
                                          segment.start_time + (seg.end_frame + 1) / frame_rate))
                report(min(1.0, stream.tell() / total))
        return words


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, model_path: str):
        from faster_whisper import WhisperModel  # optional dependency, imported only when configured

        self.model = WhisperModel(model_path, device="cpu", compute_type="int8")
        self.language = None

    def transcribe(self, pcm_path: Path, report=lambda fraction: None) -> list[Word]:
        import numpy

        audio = numpy.frombuffer(pcm_path.read_bytes(), dtype=numpy.int16).astype(numpy.float32) / 32768
        segments, info = self.model.transcribe(audio, word_timestamps=True)
        self.language = info.language
        return [Word(w.word.strip(), w.start, w.end) for s in segments for w in (s.words or []) if w.word.strip()]


def engine_for(whisper_model: str | None):
    return FasterWhisperEngine(whisper_model) if whisper_model else PocketSphinxEngine()


def _wrap(words: list[str]) -> str:
    """Two balanced lines when one line is too long."""
    text = " ".join(words)
    if len(text) <= MAX_LINE:
        return text
    best = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def _fits(words: list[str]) -> bool:
    text = " ".join(words)
    if len(text) <= MAX_LINE:
        return True
    return len(text) <= MAX_LINE * MAX_LINES and all(len(line) <= MAX_LINE for line in _wrap(words).split("\n"))


def cues_from_words(words: list[Word]) -> list[dict]:
    """Readable cues: a new cue when the text would not fit two lines, it would run past 7 s, or the
    speaker pauses after at least a second of speech. Short cues are held on screen for 1 s."""
    cues, current = [], []
    for word in words:
        if current:
            start = current[0].start
            too_long = word.end - start > MAX_CUE_S
            no_room = not _fits([w.text for w in current] + [word.text])
            paused = word.start - current[-1].end >= PAUSE_S and current[-1].end - start >= MIN_CUE_S
            if too_long or no_room or paused:
                cues.append(current)
                current = []
        current.append(word)
    if current:
        cues.append(current)
    result = []
    for i, group in enumerate(cues):
        start, end = group[0].start, group[-1].end
        limit = cues[i + 1][0].start if i + 1 < len(cues) else end + MIN_CUE_S
        end = min(max(end, start + MIN_CUE_S), max(limit, end))
        result.append({"start": round(start, 3), "end": round(end, 3), "text": _wrap([w.text for w in group])})
    return result
