"""A video's processing lifecycle; these functions are the only writers of its status, pipeline state,
outputs, trim, clip origin and failures (PeerTube's server/core/lib/video-state.ts is the model).

    queued --claim--> processing --mark_ready--> ready --reset--> queued
      ^                  |  \\--mark_failed--> failed --reset--> queued
      +--release, requeue_stalled (its worker stopped)

A processing video's worker renews its lease (`renew`, with each progress commit) in a column of its
own, not the row's updated_at: the transcription of the same video, running beside it, moves that.

A processing video records each finished step (`record_steps`), and becomes playable at the first
step that names a quick version. A ready video changes only through its edit jobs (`replace_poster`,
`add_social_cut`), whose failures are their own (`edit_failed`) and leave it ready.
What follows each transition (webhooks, pages, media visibility, the next jobs) is declared here, in
the transaction (core/outbox.py), and happens once it commits. None of these commit: the caller does.
"""
from dataclasses import replace

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import object_session

from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle import IllegalTransition
from videodesk.core.lifecycle.states import ClipOrigin, Cut, EditJob, Outputs, PipelineState, Trim, VideoStatus
from videodesk.core.models import LadderPart, Video, utcnow
from videodesk.core.outbox import ContentChanged, Job, MediaStored, MediaUsed, VideoEvent, declare

QUEUED, PROCESSING, READY, FAILED = VideoStatus.QUEUED, VideoStatus.PROCESSING, VideoStatus.READY, VideoStatus.FAILED
# What a video keeps when it is processed again: an import's attribution and the editor's poster choice.
KEPT_ON_RESET = ("attribution", "poster_time")
# The quick version's files stay this long after the full ladder replaced it, so a reader who
# started playing it before the switch can finish.
QUICK_GRACE_S = 900
QUICK_DIR, HLS_DIR = "quick", "hls"  # media/pipeline.py's folders: stored (and published) as trees


def _stored(video: Video, before: Outputs):
    """The new files of the video's outputs join its public copy (a ladder's folder as a whole)."""
    names = set()
    for name in video.outputs.names() - before.names():
        folder = name.split("/", 1)[0]
        names.add(f"{folder}/" if folder in (QUICK_DIR, HLS_DIR) and "/" in name else name)
    if names:
        declare(object_session(video), MediaStored(video.id, tuple(sorted(names))))


def require(video: Video, allowed, doing: str, code: str | None = None):
    """IllegalTransition unless the video's status is one of `allowed`; `doing` completes
    "A ready video cannot ..."."""
    if video.status not in allowed:
        raise IllegalTransition(f"A {video.status} video cannot {doing}.", code=code)


def _lapsed(stalled_before):
    """A processing video whose worker has not renewed its lease since `stalled_before`."""
    return (Video.status == PROCESSING) & (func.coalesce(Video.processing_renewed_at, Video.updated_at) < stalled_before)


def claim(session, video_id: str, worker: str, stalled_before) -> Video | None:
    """queued -> processing for this worker, in one UPDATE, or take over a processing video whose
    worker has been silent since `stalled_before`. None when another worker holds it (a job that
    reached two workers runs on one only) or it is not waiting."""
    now = utcnow()
    claimed = session.execute(
        update(Video)
        .where(Video.id == video_id, or_(Video.status == QUEUED, _lapsed(stalled_before)))
        .values(status=PROCESSING, error=None, processed_by=worker, processing_renewed_at=now, updated_at=now)
    ).rowcount
    return session.get(Video, video_id, populate_existing=True) if claimed else None


def renew(video: Video):
    """The processing worker is alive: its lease runs again from now (a video another job already
    failed has no lease left to renew)."""
    if video.status == PROCESSING:
        video.processing_renewed_at = utcnow()


def note_cut(video: Video, cut: Cut):
    """The clip's or trim's source is cut (before the pipeline's steps)."""
    require(video, (PROCESSING,), "record a cut")
    video.pipeline_state = replace(video.pipeline_state, cut=cut)


def note_import(video: Video, attribution: dict, size: int, sha256: str):
    """An imported source is downloaded: its attribution names it on the page."""
    require(video, (PROCESSING,), "record a download")
    video.pipeline_state = replace(video.pipeline_state, attribution=attribution)
    video.source_size, video.source_sha256 = size, sha256
    if attribution.get("title") and video.title == video.source_url:
        video.title = attribution["title"][:300]


def _record(video: Video, state: PipelineState, outputs: Outputs):
    before, video.outputs = video.outputs, outputs
    _stored(video, before)
    picture = state.picture()
    if picture is not None:
        video.width, video.height, video.duration = picture.width, picture.height, picture.duration
    video.pipeline_state = state


def record_steps(video: Video, state: PipelineState, outputs: Outputs) -> bool:
    """A processing video's finished steps and what they made. True when this made the video
    playable for the first time in this run (the `video.playable` moment)."""
    require(video, (PROCESSING,), "record processing steps")
    _record(video, state, outputs)
    if video.playable and not state.playable_announced:
        video.pipeline_state = replace(state, playable_announced=True)
        # Pages show the player; a live story's readers get the public copy.
        declare(object_session(video), VideoEvent("video.playable", video.id), ContentChanged(), MediaUsed(video.id))
        return True
    return False


def mark_ready(video: Video):
    """processing -> ready: every step is done."""
    require(video, (PROCESSING,), "become ready")
    video.status, video.progress = READY, 1.0
    declare(object_session(video), VideoEvent("video.ready", video.id), ContentChanged(), MediaUsed(video.id),
            Job(JobName.REMOVE_QUICK, (video.id,), delay=QUICK_GRACE_S))


def mark_failed(video: Video, reason: str):
    """queued | processing -> failed, with the reason readers of the API see in `error`."""
    require(video, (QUEUED, PROCESSING), "fail processing")
    video.status, video.error = FAILED, reason
    declare(object_session(video), VideoEvent("video.failed", video.id), ContentChanged())


def release(session, video_id: str, worker: str):
    """processing -> queued: a crashed job that will be retried gives its video back (if it still holds it)."""
    session.execute(update(Video).where(Video.id == video_id, Video.status == PROCESSING,
                                        Video.processed_by == worker).values(status=QUEUED))


def requeue_stalled(session, stalled_before, excluding) -> list[str]:
    """processing -> queued for the videos whose worker has been silent since `stalled_before`
    (killed, or its machine went away), except those in the `excluding` subquery."""
    videos = list(session.scalars(select(Video).where(_lapsed(stalled_before), Video.id.not_in(excluding))))
    for video in videos:
        video.status = QUEUED
        declare(session, Job(JobName.PROCESS_VIDEO, (video.id,)))
    return [video.id for video in videos]


def reset(session, video: Video):
    """ready | failed -> queued: forget what the pipeline made (files stay until overwritten) so every
    step runs again; the parts of an earlier parallel ladder are planned afresh."""
    require(video, (READY, FAILED), "be processed again", code="busy")
    kept = {key: value for key, value in video.pipeline_state.to_json().items() if key in KEPT_ON_RESET}
    session.execute(delete(LadderPart).where(LadderPart.video_id == video.id))
    video.pipeline_state = PipelineState.from_json(kept)
    video.status, video.progress, video.error = QUEUED, 0.0, None
    declare(session, Job(JobName.PROCESS_VIDEO, (video.id,)), ContentChanged())


def set_clip_origin(video: Video, origin: ClipOrigin):
    """A new clip (still queued) names where it is cut from."""
    require(video, (QUEUED,), "become a clip")
    video.clip_of = origin


def set_trim(video: Video, trim: Trim | None):
    """Keep only a range of the original (None: all of it again); the caller then resets the video."""
    require(video, (READY, FAILED), "be trimmed", code="busy")
    video.trim = trim
    # Social cuts show the other range: they go from the outputs (their files stay, private).
    video.outputs = replace(video.outputs, social={})


# -- edit jobs of a ready video ---------------------------------------------------------------
def replace_poster(video: Video, state: PipelineState, outputs: Outputs):
    """A new poster (its time in `state`, its files in `outputs`); the video stays ready."""
    require(video, (READY,), "get a new poster")
    _record(video, state, outputs)
    edit_succeeded(video, EditJob.POSTER)
    declare(object_session(video), ContentChanged())


def add_social_cut(video: Video, aspect: str, name: str) -> str | None:
    """A square or vertical cut joins the outputs; returns the file it replaces."""
    require(video, (READY,), "get a social cut")
    previous = video.outputs.social.get(aspect)
    video.outputs = replace(video.outputs, social={**video.outputs.social, aspect: name})
    declare(object_session(video), MediaStored(video.id, (name,)))
    edit_succeeded(video, EditJob.SOCIAL_CUT)
    return previous


EDIT_JOBS = {EditJob.POSTER: JobName.RENDER_POSTER, EditJob.SOCIAL_CUT: JobName.SOCIAL_CUT}


def start_edit(video: Video, job: EditJob, *args):
    """An edit job of a ready video is asked for: its last failure is forgotten and its job sent
    (with `args` after the video's id) once this commits."""
    require(video, (READY,), f"get a new {job.value.replace('_', ' ')}", code="not_ready")
    edit_succeeded(video, job)
    declare(object_session(video), Job(EDIT_JOBS[job], (video.id, *args)))


def edit_failed(video: Video, job: EditJob, reason: str):
    """An edit job failed: the reason is shown for that job; the video itself stays as it was."""
    video.edit_errors = replace(video.edit_errors, **{job.value: reason})


def edit_succeeded(video: Video, job: EditJob):
    video.edit_errors = replace(video.edit_errors, **{job.value: None})
