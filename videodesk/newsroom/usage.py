"""What one producer may make: a storage quota on finished work and hourly rate limits on
expensive jobs (docs/SECURITY.md, "Quotas and rate limits").

* Storage: the originals (`source_size`) and processed media (`media_bytes`, measured when
  processing finishes) of the videos a user owns may not pass VIDEODESK_STORAGE_QUOTA_MB. New
  work (an upload, a finished tus upload, a URL import, a clip) is refused with TooLarge
  ("quota_exceeded", 413) once it would; deleting videos frees the room. Editors and admins are
  not held to it.
* Jobs: clips, reprocessing (trims included) and transcriptions a user asked for in the last hour,
  counted in `work_requests` (deleting the video does not give them back), may not pass their
  VIDEODESK_*_RATE_PER_HOUR; past it RateLimited ("rate_limited", 429).

Two requests at the very same moment can pass either limit by one."""
from datetime import timedelta

from sqlalchemy import func, select

from videodesk.core import db, storage
from videodesk.core.errors import RateLimited, TooLarge
from videodesk.core.models import Video, WorkRequest, utcnow
from videodesk.core.settings import current_settings

MB = 1024 * 1024
# Kinds of work and the setting that limits each.
RATE_SETTINGS = {"clip": "clip_rate_per_hour", "reprocess": "reprocess_rate_per_hour",
                 "transcribe": "transcribe_rate_per_hour"}
WORDS = {"clip": "clips", "reprocess": "reprocessing jobs (trims included)", "transcribe": "transcriptions"}


def _exempt(user) -> bool:
    return user.has_role("editor")


def stored_bytes(user) -> int:
    """The originals and processed media of the user's videos."""
    total = db.session().scalar(select(func.sum(func.coalesce(Video.source_size, 0) +
                                                func.coalesce(Video.media_bytes, 0)))
                                .where(Video.owner_id == user.id))
    return int(total or 0)


def require_room(user, incoming_bytes: int = 0):
    """TooLarge ("quota_exceeded") when `incoming_bytes` more would take the user past the quota."""
    if _exempt(user):
        return
    quota_mb = current_settings().storage_quota_mb
    if stored_bytes(user) + incoming_bytes > quota_mb * MB:
        raise TooLarge(f"Your videos would pass your {quota_mb:g} MB storage quota; delete some first, or ask an "
                       "editor.", code="quota_exceeded")


def measure_media(video: Video):
    """Record the bytes of the video's files in the media store (called when processing finishes)."""
    video.media_bytes = sum(info.size for info in storage.media_store().list(video.id))


def admit_work(user, kind: str):
    """Count a request for a job of `kind`, or refuse it; the count is saved with the request's change
    (db.add_with_next_commit), so a refused or failed request does not use up the limit."""
    if _exempt(user):
        return
    limit = getattr(current_settings(), RATE_SETTINGS[kind])
    recent = db.session().scalar(select(func.count()).select_from(WorkRequest).where(
        WorkRequest.user_id == user.id, WorkRequest.kind == kind, WorkRequest.at > utcnow() - timedelta(hours=1)))
    if recent >= limit:
        raise RateLimited(f"At most {limit} {WORDS[kind]} an hour; try again later.")
    db.add_with_next_commit(WorkRequest(user_id=user.id, kind=kind))
