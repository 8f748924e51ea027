"""A video's pipeline runs: the media pipeline applied to a Video row, with a lease for crash recovery.
(Edit jobs of a ready video: jobs/edits.py; automatic captions: jobs/transcription.py; a long clip's
ladder in parts: jobs/parallel.py; the sweep that recovers every kind: jobs/recovery.py.)"""
import logging
import os
import socket
import time
from datetime import timedelta

from videodesk.core import db
from videodesk.core.digests import sha256_of
from videodesk.core.lifecycle import captioning
from videodesk.core.lifecycle import video as lifecycle
from videodesk.core.lifecycle.states import Cut, Outputs, PipelineState, VideoStatus
from videodesk.core.models import Video, utcnow
from videodesk.core.settings import current_settings
from videodesk.ingest import url_import
from videodesk.jobs import audio_tracks, clipping
from videodesk.jobs.workspace import Workspace, workspace
from videodesk.media import pipeline
from videodesk.media.command import MAX_DIMENSION
from videodesk.media.runner import MediaError, bulk_gate
from videodesk.newsroom import clips, library, usage
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)
# A running job renews its lease with each progress commit; a processing video whose lease was not
# renewed for JOB_LEASE_S belonged to a worker that died and is queued again.
PROGRESS_COMMIT_INTERVAL = 1.0
IMPORT_SHARE = 0.25
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
# process_video's answer when the ladder is left to bulk jobs (jobs/parallel.py): in parallel parts
# for a long clip, else one pass; either way after the work the desk waits for.
LADDER_QUEUED = "ladder queued"
READY = VideoStatus.READY  # process_video's answer when the video is ready


def _limits() -> pipeline.Limits:
    settings = current_settings()
    return pipeline.Limits(
        max_duration=settings.max_duration_s, max_dimension=MAX_DIMENSION,
        ffmpeg_timeout=settings.ffmpeg_timeout_s, ffprobe_timeout=settings.ffprobe_timeout_s,
        loudness_target=settings.loudness_target, whisper_model=settings.whisper_model,
        whisper_threads=settings.whisper_threads,
        data_dir=settings.data_dir, translate_to=settings.caption_translate_to,
        chunk_seconds=settings.chunk_seconds, work_budget_per_s=settings.work_budget_per_s,
    )


def context(video: Video, ws: Workspace) -> pipeline.Context:
    """The pipeline's view of the video in the workspace (also for jobs/parallel.py)."""
    return pipeline.Context(source=clipping.pipeline_source(video, ws), media_dir=ws.media_dir, work_dir=ws.work_dir,
                            limits=_limits(), state=video.pipeline_state.to_json(), outputs=video.outputs.to_json())


def pipeline_context(video: Video, ws: Workspace) -> pipeline.Context:
    """The context of a pipeline run, which also encodes the audio tracks added after upload."""
    ctx = context(video, ws)
    ctx.added_audio = audio_tracks.added_audio(video, ws)
    return ctx


def failure_reason(video: Video, exc: MediaError | StoreError) -> str:
    """What the failed video shows: the media error itself, or what the unanswering store means."""
    if isinstance(exc, MediaError):
        return str(exc)
    log.warning("video %s: media store failed: %s", video.id, exc)
    return f"The media store did not answer, so the processed files could not be stored ({exc}). Try again later."


def every_second(session, apply):
    """A progress callback that applies `fraction` and commits at most once a second (and at the end)."""
    last = {"at": 0.0}

    def report(fraction: float):
        now = time.monotonic()
        if fraction < 1.0 and now - last["at"] < PROGRESS_COMMIT_INTERVAL:
            return
        last["at"] = now
        apply(min(fraction, 1.0))
        session.commit()

    return report


def _progress_reporter(session, video, start: float = 0.0, span: float = 1.0):
    """Progress as start + span * fraction; each commit also renews the lease."""
    def apply(fraction: float):
        video.progress = round(max(video.progress, start + span * fraction), 3)
        lifecycle.renew(video)

    return every_second(session, apply)


def typed(ctx: pipeline.Context) -> tuple[PipelineState, Outputs]:
    """The pipeline's working dicts as the video's typed state."""
    return PipelineState.from_json(ctx.state), Outputs.from_json(ctx.outputs)


def saver(session, video, ws: Workspace, ctx: pipeline.Context):
    """What the pipeline calls after each step: the step's files are stored, then the database names them."""
    def save(_state: dict):
        ws.publish()  # outputs are stored before the database names them
        # Right after the probe (settings.captions_first): captions need not wait for the ladder.
        caption_now = "probe" in ctx.state.get("done", []) and not ctx.state.get("captions_started") \
            and current_settings().captions_first
        if caption_now:
            ctx.state["captions_started"] = True
        # Once per processing run (reprocessing starts a new one), at the first save that makes it play.
        if lifecycle.record_steps(video, *typed(ctx)):
            ctx.state["playable_announced"] = True
            log.info("video %s playable (worker %s)", video.id, WORKER_NAME)
        if caption_now:
            start_captions(video)
        session.commit()

    return save


def lease_cutoff():
    """Jobs (videos, captions, ladder parts) silent since before this belonged to a worker that stopped."""
    return utcnow() - timedelta(seconds=current_settings().job_lease_s)


def claim(session, video_id: str) -> bool:
    """Take the video for this worker: a queued video, or one whose worker's lease ran out.
    A job that reaches two workers (a requeued duplicate, a queue that replayed it) runs on one only."""
    return lifecycle.claim(session, video_id, WORKER_NAME, lease_cutoff()) is not None


def process_video(video_id: str) -> str | None:
    """Run the steps not yet done of a video this worker claimed (`claim`, by the queue's wrapper).
    The outcome for the queue: READY, LADDER_QUEUED when the ladder is left to bulk jobs
    (jobs/parallel.py: settings.bulk_yields, or a long clip's parallel parts), None when failed."""
    session = db.session()
    video = session.get(Video, video_id, populate_existing=True)
    # An imported video spends the first quarter of its progress bar downloading.
    start = IMPORT_SHARE if video.source_kind == "url" else 0.0
    with workspace(video.id) as ws:
        try:
            if video.source_kind == "url" and video.source_sha256 is None:
                _download(session, video, ws)
            cut = prepare_source(video, ws, _progress_reporter(session, video, start, clipping.CUT_SHARE))
            if cut is not None:
                lifecycle.note_cut(video, cut)
                session.commit()
                start += clipping.CUT_SHARE
            if video.pipeline_state.done:
                ws.restore()
            ctx = pipeline_context(video, ws)
            finished = pipeline.run_steps(ctx, _progress_reporter(session, video, start, 1.0 - start),
                                          saver(session, video, ws, ctx), ladder_apart=current_settings().bulk_yields)
        except (MediaError, StoreError) as exc:
            fail(session, video, ws, failure_reason(video, exc))
            return None
    if not finished:
        return LADDER_QUEUED
    return finish(session, video, ctx)


def prepare_source(video: Video, ws: Workspace, report=lambda fraction: None) -> Cut | None:
    """The source the pipeline reads, in the workspace: the missing cut of a clip or trim is made
    (returned, for the pipeline state), else the original is fetched when the store is remote."""
    if clipping.needs_cut(video, ws):
        with bulk_gate.interactive():
            return clipping.cut_source(video, ws, _limits(), report)
    ws.fetch_original()
    if not video.trim:
        clipping.remove_trimmed_sources(ws)
    return None


def start_captions(video: Video):
    """Right after the probe (settings.captions_first): automatic captions are queued from the source's sound
    while the rest is made, so the quote can be found minutes before the ladder is ready. A clip
    takes its parent's transcript of its range instead (newsroom/clips.follow_parent)."""
    if not video.pipeline_state.has_audio or clips.follow_parent(video):
        return
    captioning.queue(video)


def finish(session, video: Video, ctx: pipeline.Context) -> str:
    """The last step is done (in one pass, or after the parallel ladder's assembly): the video is ready,
    and (unless they started after the probe) automatic captions are queued when it has sound."""
    _register_embedded_captions(video, ctx.state)
    audio_tracks.register_source_tracks(video, ctx.state)
    usage.measure_media(video)
    lifecycle.mark_ready(video)
    if ctx.info.audio is not None and not ctx.state.get("captions_started") and not clips.follow_parent(video):
        captioning.queue(video)
    session.commit()
    log.info("video %s ready (worker %s)", video.id, WORKER_NAME)
    return READY


def fail(session, video: Video, ws: Workspace, reason: str):
    """A failed video shows no player: the quick version goes too (from the store as well), first, so
    a full disk has room again for the database to record the failure."""
    try:
        ws.discard_media(pipeline.QUICK_DIR)
    except StoreError as exc:
        log.warning("video %s: the quick version stays in the store: %s", video.id, exc)
    session.rollback()
    video = session.get(Video, video.id)
    lifecycle.mark_failed(video, reason)
    session.commit()
    log.info("video %s failed: %s", video.id, reason)


def remove_quick(video_id: str):
    """The quick version's files, once the full ladder has replaced it (after lifecycle.QUICK_GRACE_S);
    deleting an object deletes its public copy too."""
    video = db.session().get(Video, video_id)
    if video is not None and not (video.outputs.hls or "").startswith(pipeline.QUICK_DIR + "/"):
        with workspace(video.id) as ws:
            ws.discard_media(pipeline.QUICK_DIR)


def _register_embedded_captions(video: Video, state: dict):
    """A new track per subtitle stream; when the video is processed again (a trim, say), the stream's
    track gets the new file as a new version (the names are unguessable, so they differ each run)."""
    for found in state.get("embedded_captions", []):
        stem = found.get("stem") or found["filename"].removesuffix(".vtt")
        track = next((t for t in video.captions if t.source == "embedded" and (
            t.filename in (found["filename"], stem + ".vtt") or t.filename.startswith(stem + "-"))), None)
        if track is None:
            library.register_caption_track(video, found["filename"], found["lang"], source="embedded")
        elif track.filename != found["filename"]:
            library.replace_track_file(track, found["filename"])


def _download(session, video: Video, ws: Workspace):
    """Fetch an imported video's source with yt-dlp; keep its attribution for the page."""
    settings = current_settings()
    folder = ws.root / "import"
    url_import.cleanup(folder)
    path, attribution = url_import.download(
        video.source_url, folder, allow_private=settings.import_allow_private,
        max_bytes=settings.max_upload_bytes, max_duration=settings.max_duration_s,
        timeout=settings.import_timeout_s, report=_progress_reporter(session, video, 0.0, IMPORT_SHARE))
    source = ws.source
    os.replace(path, source)
    ws.store_original()
    lifecycle.note_import(video, attribution, source.stat().st_size, sha256_of(source))
    session.commit()


def release(video_id: str):
    """A crashed job that huey will retry gives its video back to the queue (so the retry can claim it)."""
    session = db.session()
    session.rollback()
    lifecycle.release(session, video_id, WORKER_NAME)
    session.commit()


def mark_failed(video_id: str, reason: str):
    """A job that crashed on its last try: failed like any other (the quick version goes too)."""
    session = db.session()
    session.rollback()
    video = session.get(Video, video_id)
    if video is not None and video.status.busy:
        with workspace(video_id) as ws:
            fail(session, video, ws, reason)
