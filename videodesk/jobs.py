"""What the queue runs: the media pipeline applied to a Video row, with a lease for crash recovery."""
import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from . import db, storage
from .media.pipeline import Limits, process_source
from .media.runner import MediaError
from .models import Video, utcnow

log = logging.getLogger(__name__)
# A running job refreshes its video's updated_at with each progress commit; a processing video
# untouched for JOB_LEASE_S belonged to a worker that died and is queued again.
PROGRESS_COMMIT_INTERVAL = 1.0


def _limits() -> Limits:
    config = current_app.config
    return Limits(
        max_duration=config["MAX_DURATION_S"], max_dimension=config["MAX_DIMENSION"],
        ffmpeg_timeout=config["FFMPEG_TIMEOUT_S"], ffprobe_timeout=config["FFPROBE_TIMEOUT_S"],
    )


def _progress_reporter(session, video):
    last = {"at": 0.0}

    def report(fraction: float):
        now = time.monotonic()
        if fraction < 1.0 and now - last["at"] < PROGRESS_COMMIT_INTERVAL:
            return
        last["at"] = now
        video.progress = round(max(video.progress, min(fraction, 1.0)), 3)
        video.updated_at = utcnow()
        session.commit()

    return report


def process_video(video_id: str):
    """Idempotent: a ready video is left alone, anything else is (re)built from its source."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status == "ready":
        return
    video.status, video.progress, video.error = "processing", 0.0, None
    session.commit()
    try:
        result = process_source(
            storage.source_path(video.id), storage.media_dir(video.id), _limits(),
            _progress_reporter(session, video),
        )
    except MediaError as exc:
        video.status, video.error = "failed", str(exc)
        session.commit()
        log.info("video %s failed: %s", video.id, exc)
        return
    video.probe = result.source.to_dict()
    video.duration = round(result.web.duration, 3)
    video.width, video.height = result.web.video.width, result.web.video.height
    video.outputs = {**(video.outputs or {}), **result.outputs}
    video.status, video.progress = "ready", 1.0
    session.commit()


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
    videos = list(session.scalars(select(Video).where(Video.status == "processing", Video.updated_at < cutoff)))
    for video in videos:
        video.status, video.progress = "queued", 0.0
    session.commit()
    return [video.id for video in videos]
