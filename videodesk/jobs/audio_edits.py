"""Audio tracks of a ready video changed after processing (docs/AUDIO.md): one added (its sound kept,
measured and encoded like the main track), one removed, an MP4 in a track's language. Only the
master playlist changes: the video's renditions are never encoded again. The video stays ready."""
import logging
from pathlib import Path

from sqlalchemy.orm import object_session

from videodesk.core import db
from videodesk.core.errors import Conflict, Invalid
from videodesk.core.ids import file_token
from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import AudioTrack, Video
from videodesk.core.outbox import ContentChanged, Job, MediaStored, declare
from videodesk.jobs import audio_tracks, processing
from videodesk.jobs.workspace import workspace
from videodesk.media import audio, pipeline
from videodesk.media.probe import probe
from videodesk.media.runner import MediaError, run
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)
MASTER = f"{pipeline.HLS_DIR}/master.m3u8"


def add_audio_track(video: Video, upload: Path, lang: str, kind: str, label: str) -> AudioTrack:
    """A track added to a ready video from `upload` (audio, or a video whose first sound stream is
    used): kept losslessly and privately, measured and encoded like the main track, then listed in
    the master. Runs while the request waits (one audio encode, bounded by the ffmpeg timeout); a
    file that cannot be used raises Invalid. A spoken track gets its own captions job."""
    session = object_session(video)
    session.refresh(video, with_for_update=True)  # one change of the master at a time (PostgreSQL row lock)
    with workspace(video.id, job="audio") as ws:
        ctx = processing.context(video, ws)
        try:
            info = probe(upload, timeout=ctx.limits.ffprobe_timeout)
        except MediaError as exc:
            raise Invalid(code="invalid_audio", message=f"The audio file cannot be read: {exc}") from None
        if info.audio is None:
            raise Invalid(code="invalid_audio", message="The file has no sound to use as an audio track.")
        problem = audio.length_problem(info.duration, ctx.info.duration)
        if problem:
            raise Invalid(code="invalid_audio", message=problem)
        token = file_token()
        name, folder = f"{token}.mka", f"audio-{token}"
        kept = audio_tracks.added_file(ws, name)
        kept.parent.mkdir(parents=True, exist_ok=True)
        try:
            start = audio_tracks.picture_start(video)
            run(audio.keep_command(upload, info.demuxer, info.audio.index, kept, delay=start), timeout=ctx.timeout,
                what="Reading the audio track")
            measured, _ = pipeline.measure_sound(ctx, kept, audio.KEPT_DEMUXER, 0)
            pipeline.encode_audio_track(ctx, kept, audio.KEPT_DEMUXER, 0, folder, measured, start)
            track = AudioTrack(lang=lang, label=label, kind=kind, is_default=False, source="upload",
                               original_name=name, folder=folder)
            video.audio_tracks.append(track)
            audio_tracks.choose_default(video)
            ws.fetch_media(MASTER)
            pipeline.write_master(ctx, audio_tracks.renditions(video.audio_tracks))
            ws.publish()  # stored before the database names it
        except MediaError as exc:
            session.rollback()
            kept.unlink(missing_ok=True)
            raise Invalid(code="invalid_audio", message=f"The audio track could not be made: {exc}") from None
        session.flush()
        declare(session, ContentChanged(), MediaStored(video.id, (f"{pipeline.HLS_DIR}/",)))
        if kind in audio_tracks.SPOKEN_KINDS:
            declare(session, Job(JobName.TRANSCRIBE_AUDIO_TRACK, (track.id,)))
        session.commit()
    return track


def remove_audio_track(video: Video, track: AudioTrack):
    """The track leaves the master, then its rendition, kept file and MP4 go; the main track stays."""
    if track.is_default:
        raise Conflict(code="conflict", message="The default audio track cannot be removed; it is the video's own sound.")
    session = object_session(video)
    session.refresh(video, with_for_update=True)
    with workspace(video.id, job="audio") as ws:
        ctx = processing.context(video, ws)
        video.audio_tracks.remove(track)
        ws.fetch_media(MASTER)
        pipeline.write_master(ctx, audio_tracks.renditions(video.audio_tracks))
        ws.publish()
        declare(session, ContentChanged(), MediaStored(video.id, (MASTER,)))
        session.commit()
        ws.discard_media(f"{pipeline.HLS_DIR}/{track.folder}")  # deleting an object deletes its public copy
        if track.mp4_name:
            ws.delete_media([track.mp4_name])
        if track.original_name:
            audio_tracks.discard_added_file(ws, track.original_name)


def request_language_mp4(track: AudioTrack):
    """The job that makes the track's MP4 is sent once this commits."""
    if track.video.status != VideoStatus.READY:
        raise Conflict(code="not_ready", message="A language's MP4 can be made once the video is ready.")
    declare(object_session(track), Job(JobName.LANGUAGE_MP4, (track.id,)))


def language_mp4(track_id: int):
    """The web MP4 with an audio track's sound instead of the main one: the same video fragments
    and the track's AAC, remuxed, nothing encoded again."""
    session = db.session()
    track = session.get(AudioTrack, int(track_id))
    video = track.video if track is not None else None
    if video is None or video.status != VideoStatus.READY:
        return
    with workspace(video.id) as ws:
        ctx = processing.context(video, ws)
        try:
            audio_tracks.fetch_rendition(ws, pipeline.web_rendition(ctx).name)
            audio_tracks.fetch_rendition(ws, track.folder)
            name = pipeline.make_language_mp4(ctx, track.folder, track.lang)
            ws.publish()
        except (MediaError, StoreError) as exc:
            log.warning("the %s MP4 of video %s could not be made: %s", track.lang, video.id, exc)
            return
        previous, track.mp4_name = track.mp4_name, name
        declare(session, MediaStored(video.id, (name,)))
        session.commit()
        if previous:
            ws.delete_media([previous])
