"""The audit log: publish, unpublish, delete and role changes, changes to videos on live pages,
with who did them."""
from sqlalchemy import select

from videodesk.core import db
from videodesk.core.models import AuditEvent, User, Video

VIDEO_CHANGE = "video_change"


def _event(user: User | None, action: str, target: str, detail: dict) -> AuditEvent:
    return AuditEvent(user_id=user.id if user else None, user_name=user.name if user else "system",
                      action=action, target=target, detail=detail)


def record(user: User | None, action: str, target: str, **detail):
    """Add an event to the current transaction (it is saved with the change it describes)."""
    db.session().add(_event(user, action, target, detail))


def video_change_with_next_commit(user: User | None, video: Video, change: str, **detail) -> bool:
    """A change to a video that a live story shows (trim, chapters, poster, captions, reprocessing...)
    changes a published page without any story edit: producers may make it, and the log tells
    editors who did, with the stories' slugs. The event joins the commit that saves the change
    (db.add_with_next_commit). False for a video no live story uses."""
    live = [story.slug for story in video.stories if story.is_live]
    if live:
        db.add_with_next_commit(_event(user, VIDEO_CHANGE, f"video:{video.id}",
                                       {"change": change, **detail, "stories": live}))
    return bool(live)


def recent(limit: int = 200) -> list[AuditEvent]:
    return list(db.session().scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                     .limit(limit)))
