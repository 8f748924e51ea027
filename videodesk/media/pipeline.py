"""The processing of one source, as idempotent steps.

`state` is a plain dict the caller persists after every step (the queue job stores it on the
Video row), so a run that was killed resumes after the last finished step, and every output
is renamed into place only when complete."""
import contextlib
import shutil
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

from videodesk.core.ids import short_token
from videodesk.media import analysis, chunks, fmp4, hls, ladder, loudness, poster, preview, quick, social, speech, storyboard, subtitles
from videodesk.media.captions import from_cues, to_webvtt
from videodesk.media.outputs import atomic_output, remove_stale_temp_files
from videodesk.media.overlay import Logo
from videodesk.media.probe import MediaInfo, probe, validate
from videodesk.media.runner import DiskFull, MediaError, bulk_gate, is_disk_full, run

MP4_NAME = "video.mp4"
HLS_DIR = "hls"
QUICK_DIR = "quick"       # the first playable version: quick/hls/index.m3u8 and quick/video.mp4
PARTS_DIR = "ladder-parts"  # chunk outputs of a parallel ladder, in the work folder
STORYBOARD_IMAGE = "storyboard.jpg"
STORYBOARD_VTT = "storyboard.vtt"
PREVIEW_MP4 = "preview.mp4"
PREVIEW_WEBP = "preview.webp"
ANALYSIS_FILE = "analysis.txt"
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
    data_dir: Path | None = None        # where the bundled model is assembled (models/); None: derived from media_dir
    translate_to: str | None = None     # "en": also make an English track by Whisper translation of other languages
    chunk_seconds: float | None = None  # a longer clip's ladder is encoded in chunks this long; None: never

    def step_timeout(self, duration: float) -> float:
        """Generous for slow machines, yet bounded so nothing hangs."""
        return min(self.ffmpeg_timeout, 120 + 20 * duration)


@dataclass
class Context:
    source: Path
    media_dir: Path
    work_dir: Path      # private scratch space next to the original, never served
    limits: Limits
    state: dict

    @property
    def info(self) -> MediaInfo:
        return MediaInfo.from_dict(self.state["info"])

    @property
    def outputs(self) -> dict:
        return self.state.setdefault("outputs", {})

    @property
    def timeout(self) -> float:
        return self.limits.step_timeout(self.state["info"]["duration"])


def step_probe(ctx: Context, report):
    info = probe(ctx.source, timeout=ctx.limits.ffprobe_timeout)
    validate(info, max_duration=ctx.limits.max_duration, max_dimension=ctx.limits.max_dimension)
    ctx.state["info"] = info.to_dict()


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
        name = f"captions-{lang}-embedded-{stream['index']}.vtt"
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
        found.append({"lang": lang, "filename": name})
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
    with atomic_output(part_dir(ctx, chunk_name(index)), directory=True) as folder:
        run(chunks.chunk_command(ctx.source, info, folder, chunk, _renditions(ctx)),
            timeout=ctx.limits.step_timeout(span), what=f"Transcoding part {index + 1}", bulk=True,
            on_progress=lambda seconds: report(min(1.0, seconds / span)))


def encode_audio(ctx: Context, report=lambda fraction: None):
    """The whole clip's sound, normalized with the loudness step's measurement."""
    info = ctx.info
    measured = (ctx.state.get("loudness") or {}).get("measured")
    normalize = loudness.normalize_args(measured, ctx.limits.loudness_target) if measured else None
    with atomic_output(part_dir(ctx, "audio"), directory=True) as folder:
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


def step_mp4(ctx: Context, report):
    renditions = [ladder.Rendition(**r) for r in ctx.state["renditions"]]
    web = ladder.web_rendition(renditions)
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
    token = short_token()
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
    name = name or f"captions-{lang}-{kind}-{short_token()}.vtt"
    with atomic_output(ctx.media_dir / name) as vtt:
        vtt.write_text(from_cues(cues), encoding="utf-8")
    return name


def transcribe(ctx: Context, report=lambda fraction: None, language_hint: str | None = None,
               captioned: Collection[str] = (), on_partial=lambda auto: None):
    """Speech to timed words to cues to a WebVTT file; no speech found means no track (and the
    model is not even loaded). The track's language is the one Whisper detects; `language_hint`
    (or state["language_hint"], e.g. the story's language) is used only when Whisper is unsure.
    With Limits.translate_to, speech in another language also gets a translated track. Languages
    in `captioned` already have a person's track: no machine track is made in them.
    Records state["auto_captions"] = {"lang" (detected), "filename" (None when not made),
    "engine", "translations": [...], "transcribed_until": s}, or None when there is no speech.
    The track grows while speech is recognised: every few seconds of speech its file is written
    again with the words so far and `on_partial(state["auto_captions"])` is called."""
    pcm = ctx.work_dir / "speech.pcm"
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    info = ctx.info
    hint = language_hint or ctx.state.get("language_hint")
    translate_to = ctx.limits.translate_to
    ctx.state["auto_captions"] = None
    try:
        run(speech.audio_command(ctx.source, info, pcm), timeout=ctx.timeout, what="Audio extraction",
            on_progress=lambda seconds: report(0.2 * min(1.0, seconds / info.duration)))
        samples = speech.load_audio(pcm)
    finally:
        pcm.unlink(missing_ok=True)
    chunks = speech.speech_chunks(samples)  # found once, for the check here and both decodes
    if not chunks:
        return
    engine = speech.engine_for(ctx.limits.whisper_model, _data_dir(ctx))
    share = 0.4 if translate_to else 0.8
    growing = {}

    def partial(lang: str, words: list, until: float):
        name = growing.setdefault(lang, f"captions-{lang}-auto-{short_token()}.vtt")
        if _write_track(ctx, words, lang, "auto", name):
            ctx.state["auto_captions"] = {"lang": lang, "filename": name, "engine": engine.name, "translations": [],
                                          "transcribed_until": until}
            on_partial(ctx.state["auto_captions"])

    transcript = engine.transcribe(samples, hint, lambda fraction: report(0.2 + share * fraction),
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
    ("loudness", step_loudness, 0.06), ("ladder", step_ladder, 0.74),
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


def run_steps(ctx: Context, report=lambda fraction: None, save=lambda state: None) -> bool:
    """Run the steps not yet done; `save(state)` after each, `report(0..1)` as work advances.
    False when it stopped before a ladder that is to be encoded in chunks (`ladder_chunks`):
    the caller has the chunks encoded, then `assemble_ladder` and calls this again."""
    ctx.media_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(ctx.media_dir)
    if ctx.work_dir.exists():
        remove_stale_temp_files(ctx.work_dir)
    done = ctx.state.setdefault("done", [])
    total = sum(share for _, _, share in STEPS)
    base = 0.0
    for name, function, share in STEPS:
        if name == "ladder" and name not in done and ladder_chunks(ctx):
            return False
        if name not in done:
            try:
                with bulk_gate.interactive() if name in INTERACTIVE_STEPS else contextlib.nullcontext():
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


def make_social_cut(ctx: Context, aspect: str, captions_file: Path | None, logo: Logo | None = None) -> str:
    """A 1:1 or 9:16 MP4 with burned-in captions (and the station logo, if given), from the web MP4;
    returns its file name."""
    name = social.file_name(aspect, short_token())
    with atomic_output(ctx.media_dir / name) as tmp:
        run(social.social_cut_command(ctx.media_dir / MP4_NAME, captions_file, tmp, aspect,
                                      ctx.info.audio is not None, logo), timeout=ctx.timeout, what="Social cut")
    return name
