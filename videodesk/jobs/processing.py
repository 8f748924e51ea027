"""What the queue runs: the media pipeline applied to a Video row, with a lease for crash recovery."""
import copy
import logging
import os
import socket
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from videodesk.core import changes, db, storage
from videodesk.core.models import LadderPart, Video, utcnow
from videodesk.ingest import url_import
from videodesk.media import pipeline
from videodesk.media.runner import MediaError
from videodesk.newsroom import library

log = logging.getLogger(__name__)
# A running job refreshes its video's updated_at with each progress commit; a processing video
# untouched for JOB_LEASE_S belonged to a worker that died and is queued again.
PROGRESS_COMMIT_INTERVAL = 1.0
IMPORT_SHARE = 0.25
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
# process_video's answer when the ladder is to be encoded in parallel parts (jobs/parallel.py).
CHUNKED = "chunked"
# The quick version's files stay this long after the full ladder replaced it, so a reader who
# started playing it before the switch can finish.
QUICK_GRACE_S = 900


def _limits() -> pipeline.Limits:
    config = current_app.config
    return pipeline.Limits(
        max_duration=config["MAX_DURATION_S"], max_dimension=config["MAX_DIMENSION"],
        ffmpeg_timeout=config["FFMPEG_TIMEOUT_S"], ffprobe_timeout=config["FFPROBE_TIMEOUT_S"],
        loudness_target=config["LOUDNESS_TARGET"], whisper_model=config["WHISPER_MODEL"],
        chunk_seconds=config["CHUNK_SECONDS"],
    )


def _context(video: Video) -> pipeline.Context:
    return pipeline.Context(
        source=storage.source_path(video.id), media_dir=storage.media_dir(video.id),
        work_dir=storage.upload_dir(video.id) / "work", limits=_limits(),
        state=copy.deepcopy(video.pipeline_state or {}),
    )


def _progress_reporter(session, video, start: float = 0.0, span: float = 1.0):
    """Commit progress (start + span * fraction) at most once a second; each commit also renews the lease."""
    last = {"at": 0.0}

    def report(fraction: float):
        now = time.monotonic()
        if fraction < 1.0 and now - last["at"] < PROGRESS_COMMIT_INTERVAL:
            return
        last["at"] = now
        video.progress = round(max(video.progress, start + span * min(fraction, 1.0)), 3)
        video.updated_at = utcnow()
        session.commit()

    return report


def _saver(session, video):
    def save(state: dict):
        was_playable = video.playable
        # A copy, so SQLAlchemy sees a new value and writes the JSON column.
        video.pipeline_state = copy.deepcopy(state)
        video.outputs = dict(state.get("outputs", {}))
        web = state.get("web") or state.get("quick")
        if web:
            video.width, video.height, video.duration = web["width"], web["height"], web["duration"]
        session.commit()
        if video.playable and not was_playable:
            _on_playable(video)

    return save


def _on_playable(video: Video):
    """The `video.playable` moment: its first version plays in browsers (webhooks hook in here)."""
    changes.content_changed()
    log.info("video %s playable (worker %s)", video.id, WORKER_NAME)


def process_video(video_id: str):
    """Idempotent: a ready video is left alone; otherwise the steps not yet done are run."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status == "ready":
        return
    video.status, video.error, video.processed_by = "processing", None, WORKER_NAME
    session.commit()
    # An imported video spends the first quarter of its progress bar downloading.
    start = IMPORT_SHARE if video.source_kind == "url" else 0.0
    ctx = None
    try:
        if video.source_kind == "url" and not storage.source_path(video.id).exists():
            _download(session, video)
        ctx = _context(video)
        ctx.state.setdefault("auto_captions_wanted", not video.captions)
        finished = pipeline.run_steps(ctx, _progress_reporter(session, video, start, 1.0 - start),
                                      _saver(session, video))
    except MediaError as exc:
        fail(session, video, ctx, str(exc))
        return None
    if not finished:
        return CHUNKED
    return finish(session, video, ctx)


def finish(session, video: Video, ctx: pipeline.Context) -> str:
    _register_found_captions(video, ctx.state)
    video.status, video.progress = "ready", 1.0
    session.commit()
    changes.content_changed()
    log.info("video %s ready (worker %s)", video.id, WORKER_NAME)
    return "ready"


def fail(session, video: Video, ctx: pipeline.Context | None, reason: str):
    """A failed video shows no player: the quick version goes too."""
    video.status, video.error = "failed", reason
    session.commit()
    if ctx is not None:
        pipeline.discard_quick(ctx)
    changes.content_changed()
    log.info("video %s failed: %s", video.id, reason)


def remove_quick(video_id: str):
    """The quick version's files, once the full ladder has replaced it (after QUICK_GRACE_S)."""
    video = db.session().get(Video, video_id)
    if video is not None and not (video.outputs or {}).get("hls", "").startswith(pipeline.QUICK_DIR + "/"):
        pipeline.discard_quick(_context(video))


def _register_found_captions(video: Video, state: dict):
    """Tracks the pipeline found (embedded streams) or made (automatic transcription)."""
    known = {track.filename for track in video.captions}
    for found in state.get("embedded_captions", []):
        if found["filename"] not in known:
            library.register_caption_track(video, found["filename"], found["lang"], source="embedded")
    auto = state.get("auto_captions")
    if auto and auto["filename"] not in known:
        existing = next((t for t in video.captions if t.source == "auto" and t.lang == auto["lang"]), None)
        if existing is None:
            library.register_caption_track(video, auto["filename"], auto["lang"], source="auto")
        else:
            existing.replace_file(auto["filename"])


def transcribe(video_id: str):
    """Re-run automatic captions on request; the new words become a new version of the auto track."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status != "ready":
        return
    ctx = _context(video)
    try:
        pipeline.transcribe(ctx)
    except MediaError as exc:
        video.error = f"Automatic captions failed: {exc}"
        session.commit()
        return
    _register_found_captions(video, ctx.state)
    video.pipeline_state = copy.deepcopy(ctx.state)
    session.commit()
    changes.content_changed()


def _download(session, video: Video):
    """Fetch an imported video's source with yt-dlp; keep its attribution for the page."""
    config = current_app.config
    folder = storage.upload_dir(video.id) / "import"
    url_import.cleanup(folder)
    path, attribution = url_import.download(
        video.source_url, folder, allow_private=config["IMPORT_ALLOW_PRIVATE"],
        max_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024, max_duration=config["MAX_DURATION_S"],
        timeout=config["IMPORT_TIMEOUT_S"], report=_progress_reporter(session, video, 0.0, IMPORT_SHARE))
    source = storage.source_path(video.id)
    os.replace(path, source)
    video.source_size, video.source_sha256 = source.stat().st_size, storage.sha256_of(source)
    video.pipeline_state = {**(video.pipeline_state or {}), "attribution": attribution}
    if attribution.get("title") and video.title == video.source_url:
        video.title = attribution["title"][:300]
    session.commit()


def render_poster(video_id: str, time_s: float):
    """An editor's poster choice: only the poster is made again, from the web MP4; the video stays ready."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status != "ready":
        return
    ctx = _context(video)
    ctx.state["poster_time"] = time_s
    try:
        pipeline.step_poster(ctx, lambda fraction: None)
    except MediaError as exc:
        video.error = f"The new poster could not be made: {exc}"
        session.commit()
        return
    video.error = None
    _saver(session, video)(ctx.state)
    changes.content_changed()


def social_cut(video_id: str, aspect: str, lang: str | None):
    """Burn the chosen caption track into a square or vertical cut; without captions, a clean cut."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status != "ready":
        return
    tracks = [t for t in video.captions if lang is None or t.lang == lang] or list(video.captions)
    captions = storage.media_dir(video.id) / tracks[0].filename if tracks else None
    ctx = _context(video)
    try:
        name = pipeline.make_social_cut(ctx, aspect, captions)
    except MediaError as exc:
        video.error = f"The {aspect} social cut could not be made: {exc}"
        session.commit()
        return
    previous = video.outputs.get("social", {}).get(aspect)
    video.outputs = {**video.outputs, "social": {**video.outputs.get("social", {}), aspect: name}}
    session.commit()
    if previous:
        (storage.media_dir(video.id) / previous).unlink(missing_ok=True)


def reset_for_reprocessing(video: Video):
    """Forget what the pipeline made (files stay until overwritten) so every step runs again."""
    keep = {key: value for key, value in (video.pipeline_state or {}).items() if key in ("attribution", "poster_time")}
    # The parts of an earlier parallel ladder (kept as its record until now) are planned afresh.
    db.session().execute(delete(LadderPart).where(LadderPart.video_id == video.id))
    video.pipeline_state, video.status, video.progress, video.error = keep, "queued", 0.0, None


def mark_failed(video_id: str, reason: str):
    session = db.session()
    video = session.get(Video, video_id)
    if video is not None and video.status != "ready":
        video.status, video.error = "failed", reason
        session.commit()


def requeue_stalled() -> list[str]:
    """Put back in the queue the videos whose worker stopped reporting: it was killed or its machine went away."""
    session = db.session()
    cutoff = utcnow() - timedelta(seconds=current_app.config["JOB_LEASE_S"])
    # A video whose ladder parts are out with the workers is recovered part by part (jobs/parallel.py).
    in_parts = select(LadderPart.video_id).where(LadderPart.status != "done")
    videos = list(session.scalars(select(Video).where(Video.status == "processing", Video.updated_at < cutoff,
                                                      Video.id.not_in(in_parts))))
    for video in videos:
        video.status = "queued"
    session.commit()
    return [video.id for video in videos]
