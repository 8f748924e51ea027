"""Automatic captions as a job of their own (the video does not wait for them): Whisper on the
source's sound, the track growing as speech is recognised, clips of the range following along."""
import logging

from videodesk.core import db, outbox
from videodesk.core.lifecycle import captioning
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import AudioTrack, Video
from videodesk.core.outbox import ContentChanged, declare
from videodesk.jobs import audio_tracks, processing
from videodesk.jobs.workspace import workspace
from videodesk.media import pipeline
from videodesk.media.runner import MediaError
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
        session.commit()
