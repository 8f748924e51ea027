"""The audit log: publish, unpublish, delete and role changes, with who did them."""
from sqlalchemy import select

from videodesk.core import db
from videodesk.core.models import AuditEvent, User


def record(user: User | None, action: str, target: str, **detail):
    """Add an event to the current transaction (it is saved with the change it describes)."""
    db.session().add(AuditEvent(user_id=user.id if user else None, user_name=user.name if user else "system",
                                action=action, target=target, detail=detail))


def recent(limit: int = 200) -> list[AuditEvent]:
    return list(db.session().scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                     .limit(limit)))
