"""Automatic captions as a job of their own (the video does not wait for them): Whisper on the
source's sound, the track growing as speech is recognised, clips of the range following along.

A recording at least two parts long (settings.transcript_part_s) is planned by that job and
transcribed in parts cut at pauses (core/lifecycle/transcript.py): any idle worker on any machine
takes a part; a worker that finishes one goes on with the next waiting part in order, so on one
machine the transcript still grows from the start; the last part done merges them."""
import logging

from sqlalchemy import func, select

from videodesk.core import db, outbox
from videodesk.core.lifecycle import captioning, transcript
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import AudioTrack, TranscriptPart, Video
from videodesk.core.outbox import ContentChanged, declare
from videodesk.core.settings import current_settings
from videodesk.jobs import audio_tracks, processing
from videodesk.jobs.workspace import workspace
from videodesk.media import pipeline
from videodesk.media.runner import MediaError
from videodesk.media.speech import Word
from videodesk.newsroom import clips, library, search
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)


def _register_auto_captions(video: Video, state: dict):
    """The tracks transcription made; a track already there for the same language (and source
    language, for a translation) gets a new version that needs a new review; a growing track
    (the same file, rewritten) is indexed again."""
    for made in pipeline.auto_caption_tracks(state):
        translated_from = made.get("translated_from")
        existing = next((t for t in video.captions if t.source == "auto" and t.lang == made["lang"]
                         and t.translated_from == translated_from), None)
        if existing is None:
            library.register_caption_track(video, made["filename"], made["lang"], source="auto",
                                           translated_from=translated_from)
        elif existing.filename != made["filename"]:
            library.replace_track_file(existing, made["filename"], machine=True)
        else:  # the same file, grown: its new words join a published video's copy too
            search.index_track(existing)
            outbox.declare(db.session(), outbox.MediaStored(video.id, (existing.filename,)))


def _captioning_reporter(session, video):
    """Transcription progress on the video (each commit renews the job's lease)."""
    return processing.every_second(session, lambda fraction: captioning.report(video, fraction))


def _language_hint(video: Video) -> str | None:
    """The language of a live story using the video, else of any story: a hint, never the answer."""
    stories = sorted(video.stories, key=lambda story: not story.is_live)
    return stories[0].language.split("-")[0].lower() if stories and stories[0].language else None


def claim(session, video_id: str) -> bool:
    """Take the video's queued captions job (or one whose worker's lease ran out)."""
    return captioning.claim(session, video_id, processing.WORKER_NAME, processing.lease_cutoff()) is not None


def claim_part(session, video_id: str, name: str) -> bool:
    """Take a waiting part of a running transcript (or one whose worker's lease ran out)."""
    video = session.get(Video, video_id, populate_existing=True)
    return video is not None and video.captioning is not None and video.captioning.status == captioning.RUNNING \
        and transcript.claim(session, video_id, name, processing.WORKER_NAME, processing.lease_cutoff())


def _in_parts(ctx) -> bool:
    part_s = current_settings().transcript_part_s
    return part_s > 0 and ctx.info.duration >= 2 * part_s


def transcribe(video_id: str):
    """Automatic captions for a probed video, as a job of its own: right after the probe
    (settings.captions_first, while the ladder is made) or once the video is ready. The auto track grows as
    speech is recognised (saved, indexed for search and handed to clips of its range every few
    seconds of speech; captioning.transcribed_until says how far). No track is made in a language
    a person already captioned. A missing or damaged model fails the job with its reason in
    video.captioning.error. The job is claimed (`claim`) by the queue's wrapper."""
    session = db.session()
    video = session.get(Video, video_id, populate_existing=True)
    captioned = {track.lang for track in video.captions if track.source != "auto"}
    with workspace(video.id, job="transcribe") as ws:
        ctx = processing.context(video, ws)
        if _in_parts(ctx):
            _plan_parts(session, video, ws, ctx)
            return

        def grown(auto: dict):
            ws.publish()
            _register_auto_captions(video, {"auto_captions": auto})
            captioning.grow(video, auto["transcribed_until"])
            clips.pass_on_captions(video)
            session.commit()

        try:
            ws.fetch_original()
            pipeline.transcribe(ctx, _captioning_reporter(session, video), language_hint=_language_hint(video),
                                captioned=captioned, on_partial=grown)
            spoken = (ctx.state.get("auto_captions") or {}).get("lang")
            dubs = [transcribe_sound(video, ws, lang, sound, captioned | {spoken})
                    for lang, sound in audio_tracks.other_spoken_sounds(video, ws, ctx)]
            ws.publish()
        except (MediaError, StoreError) as exc:
            mark_failed(video_id, f"Automatic captions failed: {exc}")
            log.info("captions for video %s failed: %s", video_id, exc)
            return
    _register_auto_captions(video, ctx.state)
    for state in dubs:
        _register_auto_captions(video, state)
    captioning.done(video, (ctx.state.get("auto_captions") or {}).get("lang"), ctx.info.duration)
    clips.pass_on_captions(video)
    session.commit()


def _plan_parts(session, video: Video, ws, ctx):
    """A long recording: its speech sound kept for the parts' workers (stored, with a remote store),
    the language detected once, and the parts sent to the queue."""
    try:
        ws.fetch_original()
        plan = pipeline.plan_transcript(ctx, current_settings().transcript_part_s, _language_hint(video),
                                        _captioning_reporter(session, video))
        ws.publish()
    except (MediaError, StoreError) as exc:
        mark_failed(video.id, f"Automatic captions failed: {exc}")
        return
    if plan is None:
        captioning.done(video, None, ctx.info.duration)
    else:
        transcript.plan(session, video.id, plan.language, plan.track, plan.parts)
        log.info("captions for video %s: %d parts", video.id, len(plan.parts))
    session.commit()


def transcribe_part(video_id: str, name: str):
    """Transcribe a part this worker claimed (`claim_part`), then the next waiting one of the same
    recording, and so on; whoever finishes the last part merges them into the tracks."""
    session = db.session()
    video = session.get(Video, video_id)
    captioned = {track.lang for track in video.captions if track.source != "auto"}
    with workspace(video_id, job=f"transcript-{name}") as ws:
        ctx = processing.context(video, ws)
        try:
            while name not in (None, transcript.MERGE):
                _transcribe_one(session, video, ws, ctx, name, captioned)
                name = _next_part(session, video)
            if name == transcript.MERGE:
                _merge(session, video, ws, ctx, captioned)
        except (MediaError, StoreError) as exc:
            mark_failed(video_id, f"Automatic captions failed: {exc}")
            log.info("captions for video %s failed in part %s: %s", video_id, name, exc)


def _next_part(session, video: Video) -> str | None:
    """The next waiting part (or the merge) this worker claimed, while the transcript is still wanted."""
    session.refresh(video)
    if video.captioning is None or video.captioning.status != captioning.RUNNING:
        return None
    name = transcript.claim_next(session, video.id, processing.WORKER_NAME, processing.lease_cutoff())
    session.commit()
    return name


def _transcribe_one(session, video: Video, ws, ctx, name: str, captioned: set):
    part = transcript.parts(session, video.id)[name]
    language, start, end = part.language, part.start_s, part.end_s
    ws.fetch_work(pipeline.SPEECH_SOUND)

    def progress(fraction: float):
        transcript.report(session, video.id, name, fraction)
        session.refresh(video)
        done = session.execute(select(func.sum((TranscriptPart.end_s - TranscriptPart.start_s) * TranscriptPart.progress))
                               .where(TranscriptPart.video_id == video.id, TranscriptPart.name != transcript.MERGE)
                               ).scalar()
        captioning.report(video, min(1.0, (done or 0.0) / max(ctx.info.duration, 0.001)))

    def heard(words: list, until: float):
        transcript.report(session, video.id, name, words=_rows(words), until_s=until)
        _grow(session, video, ws, ctx)

    made = pipeline.transcribe_part(ctx, language, start, end, captioned, processing.every_second(session, progress),
                                    heard)
    transcript.done(session, video.id, name, _rows(made.words), _rows(made.translation))
    _grow(session, video, ws, ctx)
    log.info("video %s: transcript part %s done (worker %s)", video.id, name, processing.WORKER_NAME)


def _rows(words) -> list:
    return [[w.text, w.start, w.end] for w in words]


def _words(rows: list) -> list:
    return [Word(text, start, end) for text, start, end in rows]


def _grow(session, video: Video, ws, ctx):
    """The words known from the start on without a gap, as the growing track (when they reach further)."""
    session.flush()
    session.refresh(video)
    found = transcript.parts(session, video.id)
    words, until = transcript.prefix(found)
    if video.captioning.status != captioning.RUNNING or until <= (video.captioning.transcribed_until or 0.0):
        session.commit()
        return
    merge = found[transcript.MERGE]
    auto = pipeline.write_transcript(ctx, merge.language, merge.track, _words(words), until)
    ws.publish()
    _register_auto_captions(video, {"auto_captions": auto})
    captioning.grow(video, until)
    clips.pass_on_captions(video)
    session.commit()


def _merge(session, video: Video, ws, ctx, captioned: set):
    """Every part is done: the whole transcript and its translation as tracks, the dubs' own, done."""
    found = transcript.parts(session, video.id)
    merge = found.pop(transcript.MERGE)
    words = [word for part in found.values() for word in part.words]
    translation = [word for part in found.values() for word in part.translation]
    pipeline.write_transcript(ctx, merge.language, merge.track, _words(words), ctx.info.duration, _words(translation))
    others = audio_tracks.other_spoken_sounds(video, ws, ctx)
    if others:  # the source's dubs are read from the original
        ws.fetch_original()
    dubs = [transcribe_sound(video, ws, lang, sound, captioned | {merge.language}) for lang, sound in others]
    ws.discard_work(pipeline.SPEECH_SOUND)
    ws.publish()
    session.refresh(video)
    for state in (ctx.state, *dubs):
        _register_auto_captions(video, state)
    captioning.done(video, merge.language, ctx.info.duration)
    transcript.remove(session, video.id)
    clips.pass_on_captions(video)
    session.commit()


def transcribe_sound(video: Video, ws, lang: str, sound: pipeline.Sound, skip: set) -> dict:
    """The transcript of another spoken-language track (a dub): its own automatic track, unless its
    language already has one from a person or from the main sound. Returns the pipeline state made."""
    ctx = processing.context(video, ws)
    pipeline.transcribe(ctx, language_hint=lang, captioned=skip, sound=sound)
    return ctx.state


def transcribe_audio_track(track_id: int):
    """Automatic captions of a dub added after processing (its own job: the main transcript stays as it is)."""
    session = db.session()
    track = session.get(AudioTrack, int(track_id))
    video = track.video if track is not None else None
    if video is None or video.status != VideoStatus.READY:
        return
    skip = {t.lang for t in video.captions if t.source != "auto"} | {video.captioning.language if video.captioning
                                                                      else None}
    with workspace(video.id) as ws:
        try:
            state = transcribe_sound(video, ws, track.lang, audio_tracks.added_sound(video, ws, track), skip)
            ws.publish()
        except (MediaError, StoreError) as exc:
            log.info("captions for audio track %s of video %s failed: %s", track_id, video.id, exc)
            return
    _register_auto_captions(video, state)
    declare(session, ContentChanged())
    session.commit()


def mark_failed(video_id: str, reason: str):
    """The job failed (its reason in words), unless it had already ended."""
    session = db.session()
    session.rollback()
    video = session.get(Video, video_id)
    if video is not None and video.captioning is not None and video.captioning.status in (
            captioning.QUEUED, captioning.RUNNING):
        captioning.fail(video, reason)
        transcript.remove(session, video_id)
        session.commit()
