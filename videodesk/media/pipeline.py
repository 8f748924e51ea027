"""The processing of one source, as idempotent steps.

`state` and `outputs` are plain dicts the caller persists after every step (the queue job stores
them on the Video row, typed: core/lifecycle/states.py), so a run that was killed resumes after the
last finished step, and every output is renamed into place only when complete."""
import contextlib
import shutil
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path

from videodesk.core.ids import file_token
from videodesk.core.languages import sound_name
from videodesk.media import analysis, audio, chunks, fmp4, hls, ladder, loudness, poster, preview, quick, social, speech, storyboard, subtitles
from videodesk.media.captions import from_cues, to_webvtt
from videodesk.media.outputs import atomic_output, remove_stale_temp_files
from videodesk.media.overlay import Logo
from videodesk.media.probe import MediaInfo, check_frame_count, probe, validate, video_frames
from videodesk.media.runner import DiskFull, MediaError, MediaTimeout, bulk_gate, is_disk_full, run

MP4_NAME = "video.mp4"
HLS_DIR = "hls"
QUICK_DIR = "quick"       # the first playable version: quick/hls/index.m3u8 and quick/video.mp4
PARTS_DIR = "ladder-parts"  # chunk outputs of a parallel ladder, in the work folder
STORYBOARD_IMAGE = "storyboard.jpg"
STORYBOARD_VTT = "storyboard.vtt"
PREVIEW_MP4 = "preview.mp4"
PREVIEW_WEBP = "preview.webp"
ANALYSIS_FILE = "analysis.txt"
ADDED_AUDIO_DIR = "added-audio"  # in the work folder: the files of audio tracks added later (private)
SPEECH_SOUND = "speech/sound.pcm"  # in the work folder: a long recording's sound, shared by its transcript parts
# Less than this share of the declared duration decoded means the file is cut short.
DECODABLE_SHARE = 0.8


@dataclass
class Limits:
    max_duration: float
    max_dimension: int
    ffmpeg_timeout: float
    ffprobe_timeout: float
    loudness_target: dict
    whisper_model: str | None = None   # a newsroom's own faster-whisper model folder; None: bundled Whisper base
    whisper_threads: int = 1            # CPU threads of one transcription
    data_dir: Path | None = None        # where the bundled model is assembled (models/); None: derived from media_dir
    translate_to: str | None = None     # "en": also make an English track by Whisper translation of other languages
    chunk_seconds: float | None = None  # a longer clip's ladder is encoded in chunks this long; None: never
    work_budget_per_s: float = 10.0     # wall time all of a video's processing may take, per second of video...
    work_budget_floor_s: float = 600.0  # ...and at least this much

    def step_timeout(self, duration: float) -> float:
        """Generous for slow machines, yet bounded so nothing hangs."""
        return min(self.ffmpeg_timeout, 120 + 20 * duration)

    def work_budget(self, duration: float) -> float:
        return self.work_budget_floor_s + self.work_budget_per_s * duration


class WorkBudgetSpent(MediaError):
    """The video's processing, over all its steps and ladder parts, took longer than its work budget."""

    def __init__(self, budget_s: float):
        minutes = max(1, round(budget_s / 60))
        super().__init__(f"Processing stopped: the video used up its processing budget of {minutes} "
                         f"minute{'s' if minutes > 1 else ''}. The file holds far more work than its length suggests.")


@dataclass(frozen=True)
class AddedAudio:
    """An audio track added after upload: its kept file (audio.keep_command, in the work folder) and how
    the master lists it."""
    path: Path
    folder: str
    lang: str
    name: str
    kind: str
    start: float = 0.0  # where the picture starts in the kept file (a trimmed video's trim start)


@dataclass
class Context:
    source: Path
    media_dir: Path
    work_dir: Path      # private scratch space next to the original, never served
    limits: Limits
    state: dict
    outputs: dict = field(default_factory=dict)  # file names of what the steps made, by kind
    added_audio: list[AddedAudio] = field(default_factory=list)  # encoded by step_audio with the source's tracks

    @property
    def info(self) -> MediaInfo:
        return MediaInfo.from_dict(self.state["info"])

    @property
    def timeout(self) -> float:
        return self.timeout_for(self.state["info"]["duration"])

    def timeout_for(self, duration: float) -> float:
        """A run's time limit: its step's, cut to what is left of the video's work budget (started by
        step_probe) until every step is done; later edits (poster, social cuts) have only their own."""
        deadline = self._work_deadline()
        if deadline is None:
            return self.limits.step_timeout(duration)
        left = deadline - time.time()
        if left <= 0:
            raise WorkBudgetSpent(self.state["work_budget_s"])
        return min(self.limits.step_timeout(duration), left)

    def _work_deadline(self) -> float | None:
        processed = {name for name, _, _ in STEPS} <= set(self.state.get("done", ()))
        return None if processed else self.state.get("work_deadline")

    @contextlib.contextmanager
    def within_budget(self):
        """A run cut short by the work budget fails with the budget's reason, not as a slow step."""
        try:
            yield
        except MediaTimeout as exc:
            deadline = self._work_deadline()
            if deadline is not None and time.time() >= deadline - 1:
                raise WorkBudgetSpent(self.state["work_budget_s"]) from exc
            raise


def step_probe(ctx: Context, report):
    info = probe(ctx.source, timeout=ctx.limits.ffprobe_timeout)
    validate(info, max_duration=ctx.limits.max_duration, max_dimension=ctx.limits.max_dimension)
    ctx.state["work_budget_s"] = budget = ctx.limits.work_budget(info.duration)
    ctx.state["work_deadline"] = time.time() + budget
    ctx.state["info"] = info.to_dict()
    with ctx.within_budget():
        check_frame_count(info, video_frames(ctx.source, info, timeout=ctx.timeout))


def step_quick(ctx: Context, report):
    """The first playable version, published at once (quick/): the source's own H.264 packets
    when browsers play them, else one cheap 540p rendition. The full ladder replaces it."""
    info = ctx.info
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    with atomic_output(ctx.media_dir / QUICK_DIR, directory=True) as folder, \
            atomic_output(ctx.work_dir / "quick-joined.mp4") as joined:
        playlist = folder / "hls" / "index.m3u8"
        playlist.parent.mkdir()
        run(quick.quick_command(ctx.source, info, playlist.parent), timeout=ctx.timeout, what="Quick version",
            on_progress=lambda seconds: report(min(1.0, seconds / info.duration)))
        init = hls.read_media_playlist(playlist).init
        if quick.stream_copy_possible(info) and info.video.rotation:
            init.write_bytes(fmp4.set_rotation(init.read_bytes(), info.video.rotation))
        hls.join_fragments(playlist, joined)
        run(ladder.mp4_remux_command(joined, joined if info.audio else None, folder / MP4_NAME),
            timeout=ctx.timeout, what="Quick MP4 packaging")
        made = probe(folder / MP4_NAME, timeout=ctx.limits.ffprobe_timeout)
        if made.duration < info.duration * DECODABLE_SHARE - 0.5:
            raise MediaError(f"Only {made.duration:.1f} s of the declared {info.duration:.1f} s could be read; "
                             "the file looks truncated or damaged.")
    ctx.state["quick"] = {"width": made.video.display_width, "height": made.video.display_height,
                          "duration": round(made.duration, 3), "copy": quick.stream_copy_possible(info)}
    ctx.outputs.update({"hls": f"{QUICK_DIR}/hls/index.m3u8", "mp4": f"{QUICK_DIR}/{MP4_NAME}"})


def step_subtitles(ctx: Context, report):
    """Text subtitle streams of the source become WebVTT files; the caller registers the tracks."""
    info = ctx.info
    found = []
    for stream in subtitles.text_streams(info):
        lang = subtitles.stream_language(stream["lang"])
        stem = f"captions-{lang}-embedded-{stream['index']}"  # the stream's, the same on every run
        name = f"{stem}-{file_token()}.vtt"
        raw = ctx.work_dir / f"subtitle-{stream['index']}.vtt"
        ctx.work_dir.mkdir(parents=True, exist_ok=True)
        try:
            run(subtitles.extract_command(ctx.source, info, stream["index"], raw), timeout=ctx.timeout,
                what="Subtitle extraction")
            text = to_webvtt(raw.read_bytes())
        except DiskFull:
            raise
        except MediaError:
            continue  # an empty or broken subtitle stream is skipped, not fatal
        finally:
            raw.unlink(missing_ok=True)
        with atomic_output(ctx.media_dir / name) as vtt:
            vtt.write_text(text, encoding="utf-8")
        found.append({"lang": lang, "filename": name, "stem": stem})
    ctx.state["embedded_captions"] = found


def step_loudness(ctx: Context, report):
    info = ctx.info
    if info.audio is None:
        ctx.state["loudness"] = None
        return
    result = run(loudness.measure_command(ctx.source, info, ctx.limits.loudness_target),
                 timeout=ctx.timeout, what="Loudness measurement")
    try:
        measured = loudness.parse_measurement(result.stderr)
    except ValueError:
        raise MediaError("The audio track could not be measured; it may be damaged.") from None
    ctx.state["loudness"] = {"measured": measured, "target": ctx.limits.loudness_target}


def step_ladder(ctx: Context, report):
    info = ctx.info
    renditions = ladder.renditions_for(info.video.display_width, info.video.display_height)
    measured = (ctx.state.get("loudness") or {}).get("measured")
    normalize = loudness.normalize_args(measured, ctx.limits.loudness_target) if measured else None
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    with atomic_output(ctx.work_dir / ANALYSIS_FILE) as analysis_tmp, \
            atomic_output(ctx.media_dir / HLS_DIR, directory=True) as hls_tmp:
        run(ladder.ladder_command(ctx.source, info, hls_tmp, analysis_tmp, renditions, normalize),
            timeout=ctx.timeout, what="Transcoding", bulk=True,
            on_progress=lambda seconds: report(min(1.0, seconds / info.duration)))
        _check_decoded(info, analysis_tmp)
    ctx.state["renditions"] = [asdict(r) for r in renditions]


def _check_decoded(info: MediaInfo, analysis_file: Path):
    samples = analysis.parse_analysis(analysis_file.read_text())
    decoded = samples[-1].time + 1 / ladder.ANALYSIS_FPS if samples else 0.0
    if decoded < info.duration * DECODABLE_SHARE - 0.5:
        raise MediaError(f"Only {decoded:.1f} s of the declared {info.duration:.1f} s could be decoded; "
                         "the file looks truncated or damaged.")


def measure_sound(ctx: Context, path: Path, demuxer: str | None, stream_index: int,
                  fingerprint: bool = False) -> tuple[dict | None, str | None]:
    """(loudness measurement or None for silence/unmeasurable sound, MD5 of the samples when asked)."""
    result = run(loudness.measure_stream_command(path, demuxer, stream_index, ctx.limits.loudness_target, fingerprint),
                 timeout=ctx.timeout, what="Loudness measurement")
    try:
        measured = loudness.parse_measurement(result.stderr)
    except ValueError:
        raise MediaError("An audio track could not be measured; it may be damaged.") from None
    return measured, audio.parse_fingerprint(result.stdout) if fingerprint else None


def encode_audio_track(ctx: Context, path: Path, demuxer: str | None, stream_index: int, folder: str,
                       measured: dict | None, start: float = 0.0):
    """One sound stream (from `start` on) as its own AAC rendition in hls/<folder>/, as long as the
    picture and normalized like the main track; redoing it replaces it whole."""
    normalize = loudness.normalize_args(measured, ctx.limits.loudness_target) if measured else None
    length = ctx.info.duration
    with atomic_output(ctx.media_dir / HLS_DIR / folder, directory=True) as out:
        run(audio.encode_command(path, demuxer, stream_index, out, normalize, length, start), timeout=ctx.timeout,
            what="Audio track encoding")


def write_master(ctx: Context, renditions: list[audio.Rendition]):
    """The HLS master with these audio renditions (playlists only: no media is touched)."""
    master = ctx.media_dir / HLS_DIR / "master.m3u8"
    text = audio.master_with_audio(master.read_text(), renditions)
    with atomic_output(master) as tmp:
        tmp.write_text(text)


def step_audio(ctx: Context, report):
    """Every sound stream of the source worth offering becomes a track (the main one is the ladder's
    own rendition; silent streams and repeats are dropped), then the tracks added later; the
    master lists them all with their language. state["audio_tracks"] records what was made."""
    info = ctx.info
    streams = audio.source_streams(info)
    measurements = {}
    if len(streams) > 1:
        for number, stream in enumerate(streams):
            measurements[stream.index] = measure_sound(ctx, ctx.source, info.demuxer, stream.index, fingerprint=True)
            report(0.3 * (number + 1) / len(streams))
    made = []
    for position, stream in enumerate(audio.kept_streams(streams, measurements)):
        folder = audio.MAIN_FOLDER if position == 0 else f"audio-{stream.index}"
        if position > 0:
            encode_audio_track(ctx, ctx.source, info.demuxer, stream.index, folder, measurements[stream.index][0])
        lang = audio.track_language(stream)
        made.append({"folder": folder, "lang": lang, "name": stream.title or sound_name(lang),
                     "kind": "main" if position == 0 else audio.stream_kind(stream), "stream": stream.index})
    for added in ctx.added_audio:
        measured, _ = measure_sound(ctx, added.path, audio.KEPT_DEMUXER, 0)
        encode_audio_track(ctx, added.path, audio.KEPT_DEMUXER, 0, added.folder, measured, added.start)
    renditions = [audio.Rendition(folder=track["folder"], lang=track["lang"], name=track["name"], kind=track["kind"],
                                  default=number == 0) for number, track in enumerate(made)]
    renditions += [audio.Rendition(folder=added.folder, lang=added.lang, name=added.name, kind=added.kind,
                                   default=not renditions and number == 0)
                   for number, added in enumerate(ctx.added_audio)]
    if renditions:
        write_master(ctx, renditions)
    ctx.state["audio_tracks"] = made


def ladder_chunks(ctx: Context) -> list[chunks.Chunk] | None:
    """The chunks of a parallel ladder, or None when the clip is short enough for one pass."""
    seconds, info = ctx.limits.chunk_seconds, ctx.info
    if not seconds or info.duration <= seconds:
        return None
    return chunks.plan(info.duration, chunks.frame_rate(info), seconds)


def part_dir(ctx: Context, name: str) -> Path:
    return ctx.work_dir / PARTS_DIR / name


def chunk_name(index: int) -> str:
    return f"{index:04d}"


def _renditions(ctx: Context) -> list[ladder.Rendition]:
    return ladder.renditions_for(ctx.info.video.display_width, ctx.info.video.display_height)


def encode_chunk(ctx: Context, index: int, report=lambda fraction: None):
    """Every video rendition of one chunk, into the work folder; redoing it replaces it whole."""
    info = ctx.info
    chunk = ladder_chunks(ctx)[index]
    fps = chunks.frame_rate(info)
    span = max(0.1, chunk.end(fps, info.duration) - chunk.start(fps))
    with atomic_output(part_dir(ctx, chunk_name(index)), directory=True) as folder, ctx.within_budget():
        run(chunks.chunk_command(ctx.source, info, folder, chunk, _renditions(ctx)),
            timeout=ctx.timeout_for(span), what=f"Transcoding part {index + 1}", bulk=True,
            on_progress=lambda seconds: report(min(1.0, seconds / span)))


def encode_audio(ctx: Context, report=lambda fraction: None):
    """The whole clip's sound, normalized with the loudness step's measurement."""
    info = ctx.info
    measured = (ctx.state.get("loudness") or {}).get("measured")
    normalize = loudness.normalize_args(measured, ctx.limits.loudness_target) if measured else None
    with atomic_output(part_dir(ctx, "audio"), directory=True) as folder, ctx.within_budget():
        run(chunks.audio_command(ctx.source, info, folder, normalize), timeout=ctx.timeout, what="Audio encoding", bulk=True,
            on_progress=lambda seconds: report(min(1.0, seconds / info.duration)))


def assemble_ladder(ctx: Context):
    """The ladder step's outputs (HLS folder, analysis track) from the encoded parts."""
    info, plan, renditions = ctx.info, ladder_chunks(ctx), _renditions(ctx)
    parts = [part_dir(ctx, chunk_name(chunk.index)) for chunk in plan]
    with atomic_output(ctx.work_dir / ANALYSIS_FILE) as analysis_tmp, \
            atomic_output(ctx.media_dir / HLS_DIR, directory=True) as hls_tmp:
        analysis_tmp.write_text(chunks.merge_analysis(parts, plan, chunks.frame_rate(info)))
        _check_decoded(info, analysis_tmp)
        try:
            chunks.assemble(parts, part_dir(ctx, "audio") if info.audio else None, plan, info, renditions, hls_tmp)
        except (OSError, ValueError) as exc:
            raise MediaError(f"The encoded parts could not be joined: {exc}") from exc
    ctx.state["renditions"] = [asdict(r) for r in renditions]
    ctx.state.setdefault("done", []).append("ladder")


def remove_parts(ctx: Context):
    shutil.rmtree(ctx.work_dir / PARTS_DIR, ignore_errors=True)


def web_rendition(ctx: Context) -> ladder.Rendition:
    """The ladder rendition the web MP4 is made of."""
    return ladder.web_rendition([ladder.Rendition(**r) for r in ctx.state["renditions"]])


def step_mp4(ctx: Context, report):
    web = web_rendition(ctx)
    hls_dir = ctx.media_dir / HLS_DIR
    with contextlib.ExitStack() as stack:
        video = stack.enter_context(atomic_output(ctx.work_dir / "web-video.mp4"))
        hls.join_fragments(hls_dir / web.name / "index.m3u8", video)
        audio = None
        if ctx.info.audio is not None:
            audio = stack.enter_context(atomic_output(ctx.work_dir / "web-audio.mp4"))
            hls.join_fragments(hls_dir / "audio" / "index.m3u8", audio)
        mp4 = stack.enter_context(atomic_output(ctx.media_dir / MP4_NAME))
        run(ladder.mp4_remux_command(video, audio, mp4), timeout=ctx.timeout, what="MP4 packaging")
        web_info = probe(mp4, timeout=ctx.limits.ffprobe_timeout)
    ctx.state["web"] = {"width": web_info.video.width, "height": web_info.video.height,
                        "duration": round(web_info.duration, 3)}
    # The full ladder replaces the quick version in one save: both URLs change together.
    ctx.outputs.update({"hls": f"{HLS_DIR}/master.m3u8", "mp4": MP4_NAME})


def step_poster(ctx: Context, report):
    web = ctx.state["web"]
    time = ctx.state.get("poster_time")
    if time is None:
        samples = analysis.parse_analysis((ctx.work_dir / ANALYSIS_FILE).read_text())
        time = analysis.choose_poster_time(samples, web["duration"])
    time = max(0.0, min(float(time), max(0.0, web["duration"] - 0.1)))
    # A new name per render, so caches never show a replaced poster.
    token = file_token()
    sizes = []
    with contextlib.ExitStack() as stack:
        targets = []
        for width in poster.poster_widths(web["width"]):
            height = max(2, round(width * web["height"] / web["width"] / 2) * 2)
            entry = {"width": width, "height": height}
            for kind, ext in (("jpeg", "jpg"), ("webp", "webp")):
                entry[kind] = f"poster-{token}-{width}.{ext}"
                targets.append((width, height, kind, stack.enter_context(atomic_output(ctx.media_dir / entry[kind]))))
            sizes.append(entry)
        run(poster.poster_command(ctx.media_dir / MP4_NAME, time, targets), timeout=ctx.timeout,
            what="Poster extraction")
    previous = ctx.outputs.get("posters") or []
    ctx.outputs.update({"poster": sizes[0]["jpeg"], "posters": sizes})
    ctx.state["poster_time"] = round(time, 3)
    for entry in previous:
        for kind in ("jpeg", "webp"):
            with contextlib.suppress(FileNotFoundError):
                (ctx.media_dir / entry[kind]).unlink()


def step_storyboard(ctx: Context, report):
    web = ctx.state["web"]
    plan = storyboard.plan_for(web["duration"], web["width"], web["height"])
    with atomic_output(ctx.media_dir / STORYBOARD_IMAGE) as sprite:
        run(storyboard.sprite_command(ctx.media_dir / MP4_NAME, sprite, plan), timeout=ctx.timeout,
            what="Storyboard")
    with atomic_output(ctx.media_dir / STORYBOARD_VTT) as vtt:
        vtt.write_text(storyboard.thumbnails_vtt(plan, web["duration"], STORYBOARD_IMAGE))
    ctx.outputs.update({"storyboard": STORYBOARD_VTT, "storyboard_image": STORYBOARD_IMAGE})


def step_preview(ctx: Context, report):
    duration = ctx.state["web"]["duration"]
    samples = analysis.parse_analysis((ctx.work_dir / ANALYSIS_FILE).read_text())
    length = min(preview.LENGTH_S, duration)
    start = analysis.most_active_start(samples, duration, length)
    with atomic_output(ctx.media_dir / PREVIEW_MP4) as mp4, atomic_output(ctx.media_dir / PREVIEW_WEBP) as webp:
        run(preview.preview_command(ctx.media_dir / MP4_NAME, start, length, mp4, webp), timeout=ctx.timeout,
            what="Preview")
    ctx.outputs.update({"preview": PREVIEW_MP4, "preview_webp": PREVIEW_WEBP})
    ctx.state["preview_start"] = start


def _data_dir(ctx: Context) -> Path:
    # The storage layout is <data>/media/<video id>; the jobs layer should pass Limits.data_dir.
    return ctx.limits.data_dir or ctx.media_dir.parent.parent


def auto_caption_tracks(state: dict) -> list[dict]:
    """Every track `transcribe` made: {"lang", "filename", "engine"} plus "translated_from"
    for a translation. The track in the spoken (detected) language, when made, comes first."""
    auto = state.get("auto_captions")
    if not auto:
        return []
    return ([auto] if auto.get("filename") else []) + auto.get("translations", [])


def _write_track(ctx: Context, words, lang: str, kind: str, name: str | None = None) -> str | None:
    """The cues of `words` as a new WebVTT file (or a new version of `name`, for a growing track)."""
    cues = speech.cues_from_words(words)
    if not cues:
        return None
    name = name or f"captions-{lang}-{kind}-{file_token()}.vtt"
    with atomic_output(ctx.media_dir / name) as vtt:
        vtt.write_text(from_cues(cues), encoding="utf-8")
    return name


@dataclass(frozen=True)
class Sound:
    """A sound stream to transcribe other than the main one: a dub of the source or an added track."""
    path: Path
    demuxer: str | None
    stream_index: int
    start: float = 0.0


def _extract_speech(ctx: Context, sound: Sound, pcm: Path, report):
    run(speech.sound_command(sound.path, sound.demuxer, sound.stream_index, pcm, sound.start),
        timeout=ctx.timeout, what="Audio extraction",
        on_progress=lambda seconds: report(min(1.0, seconds / ctx.info.duration)))


@dataclass(frozen=True)
class TranscriptPlan:
    """A long recording's transcript as parts for several workers: the language, detected once for
    all of them, the growing track's file, and the parts' (start, end) seconds, cut at pauses."""
    language: str
    track: str
    parts: list[tuple[float, float]]


def plan_transcript(ctx: Context, part_s: float, language_hint: str | None = None,
                    report=lambda fraction: None) -> TranscriptPlan | None:
    """Keep the source's speech sound in the work folder (SPEECH_SOUND) for the parts' workers, and
    plan them; None when there is no speech (nothing to transcribe, the sound is not kept)."""
    pcm = ctx.work_dir / SPEECH_SOUND
    pcm.parent.mkdir(parents=True, exist_ok=True)
    _extract_speech(ctx, Sound(ctx.source, ctx.info.demuxer, ctx.info.audio.index), pcm, report)
    samples = speech.load_audio(pcm)
    chunks = speech.speech_chunks(samples)
    if not chunks:
        pcm.unlink()
        return None
    language, _ = speech.engine_for(ctx.limits.whisper_model, _data_dir(ctx), ctx.limits.whisper_threads) \
        .detect_language(samples, chunks, language_hint)
    return TranscriptPlan(language, f"captions-{language}-auto-{file_token()}.vtt",
                          speech.part_bounds(chunks, ctx.info.duration, part_s))


@dataclass(frozen=True)
class PartTranscript:
    """A part's timed words on the recording's timeline, and their translation (when one is wanted)."""
    words: list
    translation: list


def transcribe_part(ctx: Context, language: str, start: float, end: float, captioned: Collection[str] = (),
                    report=lambda fraction: None, on_words=lambda words, until: None) -> PartTranscript:
    """One part of a planned transcript, from the kept speech sound. `on_words(words, until_s)`
    hears the part's words so far every few seconds of speech."""
    with (ctx.work_dir / SPEECH_SOUND).open("rb") as sound:
        sound.seek(int(start * speech.SAMPLE_RATE) * 2)
        samples = speech.load_audio(sound.read(int((end - start) * speech.SAMPLE_RATE) * 2))
    engine = speech.engine_for(ctx.limits.whisper_model, _data_dir(ctx), ctx.limits.whisper_threads)
    translate_to = ctx.limits.translate_to
    translating = bool(translate_to) and translate_to not in captioned and translate_to != language
    share = 0.5 if translating else 1.0

    def shifted(words):
        return [speech.Word(w.text, round(w.start + start, 3), round(w.end + start, 3)) for w in words]

    words = [] if language in captioned else engine.transcribe(
        samples, report=lambda fraction: report(share * fraction), language=language,
        on_words=lambda _lang, so_far, until: on_words(shifted(so_far), round(start + until, 3))).words
    translation = engine.translate(samples, language, translate_to, lambda fraction: report(share + share * fraction)) \
        if translating and (words or language in captioned) else None
    return PartTranscript(shifted(words), shifted(translation.words) if translation else [])


def write_transcript(ctx: Context, plan_language: str, track: str, words: list, until: float,
                     translation: list | None = None) -> dict:
    """The automatic track of words merged from parts, written again as `track` (and, once the
    whole transcript is known, its translation as a track of its own): state["auto_captions"]."""
    auto = {"lang": plan_language, "filename": _write_track(ctx, words, plan_language, "auto", track),
            "engine": speech.WhisperEngine.name, "translations": [], "transcribed_until": round(until, 3)}
    target = ctx.limits.translate_to
    translated = _write_track(ctx, translation, target, f"from-{plan_language}") if translation else None
    if translated:
        auto["translations"].append({"lang": target, "filename": translated, "engine": speech.WhisperEngine.name,
                                     "translated_from": plan_language})
    ctx.state["auto_captions"] = auto
    return auto


def transcribe(ctx: Context, report=lambda fraction: None, language_hint: str | None = None,
               captioned: Collection[str] = (), on_partial=lambda auto: None, sound: Sound | None = None):
    """Speech to timed words to cues to a WebVTT file; no speech found means no track (and the
    model is not even loaded). The track's language is the one Whisper detects; `language_hint`
    (e.g. the story's language) is used only when Whisper is unsure.
    With Limits.translate_to, speech in another language also gets a translated track. Languages
    in `captioned` already have a person's track: no machine track is made in them.
    Records state["auto_captions"] = {"lang" (detected), "filename" (None when not made),
    "engine", "translations": [...], "transcribed_until": s}, or None when there is no speech.
    The track grows while speech is recognised: every few seconds of speech its file is written
    again with the words so far and `on_partial(state["auto_captions"])` is called.
    With `sound` (an audio track in another language), that sound is transcribed, not translated."""
    pcm = ctx.work_dir / "speech.pcm"
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    info = ctx.info
    translate_to = ctx.limits.translate_to if sound is None else None
    sound = sound or Sound(ctx.source, info.demuxer, info.audio.index)
    ctx.state["auto_captions"] = None
    try:
        _extract_speech(ctx, sound, pcm, lambda fraction: report(0.2 * fraction))
        samples = speech.load_audio(pcm)
    finally:
        pcm.unlink(missing_ok=True)
    chunks = speech.speech_chunks(samples)  # found once, for the check here and both decodes
    if not chunks:
        return
    engine = speech.engine_for(ctx.limits.whisper_model, _data_dir(ctx), ctx.limits.whisper_threads)
    share = 0.4 if translate_to else 0.8
    growing = {}

    def partial(lang: str, words: list, until: float):
        name = growing.setdefault(lang, f"captions-{lang}-auto-{file_token()}.vtt")
        if _write_track(ctx, words, lang, "auto", name):
            ctx.state["auto_captions"] = {"lang": lang, "filename": name, "engine": engine.name, "translations": [],
                                          "transcribed_until": until}
            on_partial(ctx.state["auto_captions"])

    transcript = engine.transcribe(samples, language_hint, lambda fraction: report(0.2 + share * fraction),
                                   detect_only=captioned, chunks=chunks, on_words=partial)
    lang = transcript.language
    if lang is None:
        return
    auto = {"lang": lang, "filename": _write_track(ctx, transcript.words, lang, "auto", growing.get(lang)),
            "engine": engine.name, "translations": [], "transcribed_until": round(info.duration, 3)}
    if translate_to and translate_to not in captioned and (transcript.words or lang in captioned):
        translation = engine.translate(samples, lang, translate_to, lambda fraction: report(0.6 + 0.4 * fraction),
                                       chunks=chunks)
        translated = _write_track(ctx, translation.words, translation.language, f"from-{lang}") if translation else None
        if translated:
            auto["translations"].append({"lang": translation.language, "filename": translated,
                                         "engine": engine.name, "translated_from": lang})
    ctx.state["auto_captions"] = auto


# (name, function, share of the progress bar)
STEPS = (
    ("probe", step_probe, 0.01), ("quick", step_quick, 0.04), ("subtitles", step_subtitles, 0.01),
    ("loudness", step_loudness, 0.06), ("ladder", step_ladder, 0.74), ("audio", step_audio, 0.04),
    ("mp4", step_mp4, 0.03), ("poster", step_poster, 0.03), ("storyboard", step_storyboard, 0.03),
    ("preview", step_preview, 0.05),
)


# What a desk waits for (the first playable version): the bulk encodes of this worker wait meanwhile.
INTERACTIVE_STEPS = frozenset(("probe", "quick", "subtitles"))


def step_span(name: str) -> tuple[float, float]:
    """(start, width) of a step on the 0..1 progress bar."""
    total = sum(share for _, _, share in STEPS)
    start = 0.0
    for step, _, share in STEPS:
        if step == name:
            return start / total, share / total
        start += share
    raise KeyError(name)


def run_steps(ctx: Context, report=lambda fraction: None, save=lambda state: None, ladder_apart: bool = False) -> bool:
    """Run the steps not yet done; `save(state)` after each (ctx.outputs beside it), `report(0..1)` as work advances.
    False when it stopped before the ladder: always with `ladder_apart`, else when it is to be
    encoded in chunks (`ladder_chunks`). The caller has the chunks encoded and `assemble_ladder`d
    (or leaves a one-pass ladder to a later job), then calls this again."""
    ctx.media_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(ctx.media_dir)
    if ctx.work_dir.exists():
        remove_stale_temp_files(ctx.work_dir)
    done = ctx.state.setdefault("done", [])
    total = sum(share for _, _, share in STEPS)
    base = 0.0
    for name, function, share in STEPS:
        if name == "ladder" and name not in done and (ladder_apart or ladder_chunks(ctx)):
            return False
        if name not in done:
            try:
                with bulk_gate.interactive() if name in INTERACTIVE_STEPS else contextlib.nullcontext(), \
                        ctx.within_budget():
                    function(ctx, lambda fraction, base=base, share=share: report((base + share * fraction) / total))
            except OSError as exc:
                if is_disk_full(exc):
                    raise DiskFull(f"the {name} step") from exc
                raise
            done.append(name)
            save(ctx.state)
        base += share
        report(base / total)
    return True


def make_social_cut(ctx: Context, aspect: str, captions_file: Path | None, logo: Logo | None = None,
                    audio_folder: str | None = None) -> str:
    """A 1:1 or 9:16 MP4 with burned-in captions (and the station logo, if given), from the web MP4,
    with the sound of the audio track in hls/<audio_folder>/ when given; returns its file name."""
    name = social.file_name(aspect, file_token())
    with contextlib.ExitStack() as stack:
        sound = None
        if audio_folder:
            sound = stack.enter_context(atomic_output(ctx.work_dir / "social-audio.mp4"))
            hls.join_fragments(ctx.media_dir / HLS_DIR / audio_folder / "index.m3u8", sound)
        tmp = stack.enter_context(atomic_output(ctx.media_dir / name))
        run(social.social_cut_command(ctx.media_dir / MP4_NAME, captions_file, tmp, aspect,
                                      ctx.info.audio is not None, logo, sound), timeout=ctx.timeout, what="Social cut")
    return name


def make_language_mp4(ctx: Context, audio_folder: str, lang: str) -> str:
    """The web MP4 with another audio track (hls/<audio_folder>/) instead of the main one: the same
    video fragments and the track's AAC, copied, not encoded again; returns its file name."""
    web = web_rendition(ctx)
    name = f"video-{lang}-{file_token()}.mp4"
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    with atomic_output(ctx.work_dir / "web-video.mp4") as video, \
            atomic_output(ctx.work_dir / "language-audio.mp4") as sound, atomic_output(ctx.media_dir / name) as mp4:
        hls.join_fragments(ctx.media_dir / HLS_DIR / web.name / "index.m3u8", video)
        hls.join_fragments(ctx.media_dir / HLS_DIR / audio_folder / "index.m3u8", sound)
        run(ladder.mp4_remux_command(video, sound, mp4), timeout=ctx.timeout, what="MP4 packaging")
    return name
