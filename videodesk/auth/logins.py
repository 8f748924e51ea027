"""Sign-in throttling: at most MAX_FAILURES sign-ins are checked within WINDOW for a name, or from an
address; after that many failures sign-in pauses for LOCKOUT. The message never says whether the
name exists.

Each attempt is counted by one atomic statement (an upsert returning the new count) BEFORE the
password is checked, so parallel attempts cannot all slip under the limit: the sixth of sixteen
simultaneous guesses is refused without a password check. A successful sign-in gives its count back."""
from datetime import timedelta

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite

from videodesk.core import db
from videodesk.core.db import UTCDateTime
from videodesk.core.models import LoginAttempt, utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
FAILED = "Sign-in failed. Check the name and password."
PAUSED = "Too many failed sign-ins. Sign-in is paused for 15 minutes; try again later."
UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _keys(name: str, address: str) -> list[str]:
    return [f"name:{name.strip().lower()[:150]}", f"addr:{address}"]


def locked(name: str, address: str) -> bool:
    now = utcnow()
    for key in _keys(name, address):
        attempt = db.session().get(LoginAttempt, key)
        if attempt is not None and attempt.locked_until is not None and attempt.locked_until > now:
            return True
    return False


def _count(key: str) -> int:
    """Add one attempt to the key's window (a new window once the old one is over); the new count."""
    now = literal(utcnow(), UTCDateTime)
    table = LoginAttempt.__table__
    stale = table.c.window_start < literal(utcnow() - WINDOW, UTCDateTime)
    insert = UPSERTS[db.session().get_bind().dialect.name](table)
    statement = insert.values(key=key, failures=1, window_start=now).on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": case((stale, 1), else_=table.c.failures + 1),
              "window_start": case((stale, now), else_=table.c.window_start)},
    ).returning(table.c.failures)
    return db.session().execute(statement).scalar_one()


def admit(name: str, address: str) -> bool:
    """Count this attempt for the name and the address; True if the password may be checked."""
    counts = [_count(key) for key in _keys(name, address)]
    db.session().commit()
    return max(counts) <= MAX_FAILURES


def failed(name: str, address: str):
    """The checked password was wrong: pause sign-in for whichever key has used up its attempts."""
    db.session().execute(update(LoginAttempt).where(
        LoginAttempt.key.in_(_keys(name, address)), LoginAttempt.failures >= MAX_FAILURES,
    ).values(locked_until=utcnow() + LOCKOUT))
    db.session().commit()


def succeeded(name: str, address: str):
    """Forget the name's failures and give the address back the attempt it spent."""
    name_key, address_key = _keys(name, address)
    db.session().execute(delete(LoginAttempt).where(LoginAttempt.key == name_key))
    db.session().execute(update(LoginAttempt).where(LoginAttempt.key == address_key, LoginAttempt.failures > 0)
                         .values(failures=LoginAttempt.failures - 1))
    db.session().commit()
