"""The automatic-captions job of a probed video (right after the probe, or once it is ready); these
functions are the only writers of `Video.captioning`.

    (none) | done | failed | queued | running --queue--> queued --claim--> running --done--> done
    queued | running --fail--> failed          running --report, grow--> running
    running (its worker silent for a lease) --requeue_stalled--> queued
    (none) | queued | running --follow--> running | done   (a clip takes its parent's transcript of its range)

A running job holds a lease of its own (`Captioning.renewed_at`), renewed by each progress report:
not the row's updated_at, which the video's processing moves too, so a transcription whose worker
died is found while the same video's ladder is still being made (and the other way round)."""
import time
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import object_session

from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle import IllegalTransition
from videodesk.core.lifecycle.states import Captioning, CaptioningStatus, VideoStatus
from videodesk.core.models import Video, utcnow
from videodesk.core.outbox import ContentChanged, Job, declare

QUEUED, RUNNING, DONE, FAILED = (CaptioningStatus.QUEUED, CaptioningStatus.RUNNING, CaptioningStatus.DONE,
                                 CaptioningStatus.FAILED)


def _status(video: Video) -> CaptioningStatus | None:
    return video.captioning.status if video.captioning else None


def _require(video: Video, allowed, doing: str):
    if _status(video) not in allowed:
        raise IllegalTransition(f"Automatic captions that are {_status(video) or 'not wanted'} cannot {doing}.")


def _transcribable(video: Video) -> bool:
    """Its sound is known (probed) and it has not failed."""
    return video.status != VideoStatus.FAILED and video.pipeline_state.probed


def queue(video: Video):
    """Automatic captions wanted (again): after the probe or processing, a model change, or a job that died."""
    if not _transcribable(video):
        raise IllegalTransition(f"A {video.status} video that is not probed cannot be captioned.", code="not_ready")
    video.captioning = Captioning(status=QUEUED, transcribed_until=0.0)
    declare(object_session(video), Job(JobName.TRANSCRIBE, (video.id,)))


def is_waiting(video: Video) -> bool:
    return _transcribable(video) and _status(video) == QUEUED


def _stalled(video: Video, stalled_before: datetime) -> bool:
    """Running, and its worker has not reported since `stalled_before`."""
    return _status(video) == RUNNING and (video.captioning.renewed_at or 0.0) < stalled_before.timestamp()


def _still(seen: Captioning):
    """The row's job is still the one `seen` (same status, same worker): the compare of a claim's
    compare-and-set. Not the row's updated_at, which the video's processing moves every second."""
    worker = Video.captioning["worker"].as_string()
    return (Video.captioning["status"].as_string() == seen.status.value) & (
        worker.is_(None) if seen.worker is None else worker == seen.worker)


def claim(session, video_id: str, worker: str, stalled_before: datetime) -> Video | None:
    """queued -> running for this worker (or take over a running job silent since `stalled_before`),
    by compare-and-set, so two workers never both run it."""
    video = session.get(Video, video_id, populate_existing=True)
    if video is None or not _transcribable(video) or video.captioning is None:
        return None
    if video.captioning.status != QUEUED and not _stalled(video, stalled_before):
        return None
    claimed = session.execute(
        update(Video).where(Video.id == video_id, _still(video.captioning))
        .values(captioning=Captioning(status=RUNNING, worker=worker, transcribed_until=0.0, renewed_at=time.time()),
                updated_at=utcnow())).rowcount
    return session.get(Video, video_id, populate_existing=True) if claimed else None


def report(video: Video, fraction: float):
    """Progress of a running job, which renews its lease."""
    _require(video, (RUNNING,), "report progress")
    video.captioning = replace(video.captioning, progress=round(fraction, 3), renewed_at=time.time())


def grow(video: Video, transcribed_until: float):
    """The automatic track grew: its words now reach `transcribed_until` seconds."""
    _require(video, (RUNNING,), "grow")
    video.captioning = replace(video.captioning, transcribed_until=transcribed_until, renewed_at=time.time())
    declare(object_session(video), ContentChanged())


def done(video: Video, language: str | None, duration: float):
    """running -> done; `language` is the spoken language detected (None: no speech)."""
    _require(video, (RUNNING,), "be done")
    video.captioning = Captioning(status=DONE, progress=1.0, language=language, transcribed_until=duration)
    declare(object_session(video), ContentChanged())


def follow(clip: Video, *, until: float, length: float, language: str | None):
    """A clip's captions come from its parent's transcript: they reach `until` of its `length` seconds
    (done once they cover it all)."""
    _require(clip, (None, QUEUED, RUNNING), "follow its parent's transcript")
    clip.captioning = Captioning(status=DONE if until >= length else RUNNING, progress=round(until / length, 3),
                                 language=language, transcribed_until=round(until, 3))


def fail(video: Video, reason: str):
    """queued | running -> failed, with the reason the studio and the API show."""
    _require(video, (QUEUED, RUNNING), "fail")
    video.captioning = replace(video.captioning, status=FAILED, error=reason, worker=None)


def requeue_stalled(session, stalled_before: datetime, excluding=None) -> list[str]:
    """running -> queued for jobs whose worker stopped reporting (killed mid-transcription);
    `excluding`: ids of videos whose transcript is out in parts, each part with its own lease."""
    running = session.scalars(select(Video).where(Video.status != VideoStatus.FAILED,
                                                  Video.captioning["status"].as_string() == RUNNING.value,
                                                  *([] if excluding is None else [Video.id.not_in(excluding)])))
    stalled = [video for video in running if _stalled(video, stalled_before)]
    for video in stalled:
        video.captioning = Captioning(status=QUEUED, transcribed_until=0.0)
        declare(session, Job(JobName.TRANSCRIBE, (video.id,)))
    return [video.id for video in stalled]
