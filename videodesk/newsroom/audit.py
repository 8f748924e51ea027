"""The audit log: publish, unpublish, delete and role changes, changes to videos on live pages,
with who did them."""
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from videodesk.core import db
from videodesk.core.models import AuditEvent, User, Video

VIDEO_CHANGE = "video_change"
_WITH_NEXT_COMMIT = "videodesk.audit.with_next_commit"


def _event(user: User | None, action: str, target: str, detail: dict) -> AuditEvent:
    return AuditEvent(user_id=user.id if user else None, user_name=user.name if user else "system",
                      action=action, target=target, detail=detail)


def record(user: User | None, action: str, target: str, **detail):
    """Add an event to the current transaction (it is saved with the change it describes)."""
    db.session().add(_event(user, action, target, detail))


def video_change_with_next_commit(user: User | None, video: Video, change: str, **detail) -> bool:
    """A change to a video that a live story shows (trim, chapters, poster, captions, reprocessing...)
    changes a published page without any story edit: producers may make it, and the log tells
    editors who did, with the stories' slugs. The event joins the session's next commit (the one
    that saves the change), so it takes no lock before then. False for a video no live story uses."""
    live = [story.slug for story in video.stories if story.is_live]
    if live:
        db.session().info.setdefault(_WITH_NEXT_COMMIT, []).append(
            _event(user, VIDEO_CHANGE, f"video:{video.id}", {"change": change, **detail, "stories": live}))
    return bool(live)


def has_uncommitted() -> bool:
    return bool(db.session().info.get(_WITH_NEXT_COMMIT))


def drop_uncommitted():
    """The change was refused: its events go too."""
    db.session().info.pop(_WITH_NEXT_COMMIT, None)


@event.listens_for(Session, "before_commit")
def _add_waiting_events(session: Session):
    for waiting in session.info.pop(_WITH_NEXT_COMMIT, ()):
        session.add(waiting)


def recent(limit: int = 200) -> list[AuditEvent]:
    return list(db.session().scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                     .limit(limit)))
