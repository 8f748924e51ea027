"""Studio sessions kept on the server, so that they can be ended: the browser holds a random
secret, the `sessions` table its SHA-256. A session counts only while its row exists, is not
revoked, is not idle or old past the limits below, and its user is not disabled. Logout ends one
session; a password change, a role change or disabling a user ends all of theirs; deleting the API
token a session was started with deletes the session (a foreign key cascade). No HTTP here: the
web layer keeps the secret in the cookie (videodesk/web/access.py)."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update

from videodesk.core import db
from videodesk.core.models import StudioSession, User, utcnow

IDLE_LIMIT = timedelta(hours=12)
AGE_LIMIT = timedelta(days=7)
# last_seen is written at most this often, not on every request.
SEEN_RESOLUTION = timedelta(minutes=1)


def _record_id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(user: User, via_token_id: int | None = None) -> str:
    """A new session for `user`; returns the secret the browser keeps."""
    secret = secrets.token_urlsafe(32)
    db.session().add(StudioSession(id=_record_id(secret), user_id=user.id, via_token_id=via_token_id))
    db.session().commit()
    return secret


def user_for(secret: str) -> User | None:
    """The session's user while the session is live, else None."""
    record = db.session().get(StudioSession, _record_id(secret)) if secret else None
    now = utcnow()
    if (record is None or record.revoked_at is not None or record.user.disabled_at is not None
            or now - record.last_seen > IDLE_LIMIT or now - record.created_at > AGE_LIMIT):
        return None
    if now - record.last_seen > SEEN_RESOLUTION:
        record.last_seen = now
        db.session().commit()
    return record.user


def end(secret: str):
    """Sign one session out."""
    _revoke(StudioSession.id == _record_id(secret))
    db.session().commit()


def end_all(user: User):
    """End every session of the user, in the caller's transaction (it commits with the change that
    calls for it: a new password, a new role, disabling)."""
    _revoke(StudioSession.user_id == user.id)


def _revoke(which):
    db.session().execute(update(StudioSession).where(which, StudioSession.revoked_at.is_(None))
                         .values(revoked_at=utcnow()))
