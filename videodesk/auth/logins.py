"""Sign-in throttling: after MAX_FAILURES failures within WINDOW for a name, or from an address,
sign-in pauses for LOCKOUT. The message never says whether the name exists."""
from datetime import timedelta

from videodesk.core import db
from videodesk.core.models import LoginAttempt, utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
FAILED = "Sign-in failed. Check the name and password."
PAUSED = "Too many failed sign-ins. Sign-in is paused for 15 minutes; try again later."


def _keys(name: str, address: str) -> list[str]:
    return [f"name:{name.strip().lower()[:150]}", f"addr:{address}"]


def locked(name: str, address: str) -> bool:
    now = utcnow()
    for key in _keys(name, address):
        attempt = db.session().get(LoginAttempt, key)
        if attempt is not None and attempt.locked_until is not None and attempt.locked_until > now:
            return True
    return False


def failed(name: str, address: str):
    now = utcnow()
    session = db.session()
    for key in _keys(name, address):
        attempt = session.get(LoginAttempt, key)
        if attempt is None:
            attempt = LoginAttempt(key=key, failures=0, window_start=now)
            session.add(attempt)
        if now - attempt.window_start > WINDOW:
            attempt.failures, attempt.window_start = 0, now
        attempt.failures += 1
        if attempt.failures >= MAX_FAILURES:
            attempt.locked_until = now + LOCKOUT
    session.commit()


def succeeded(name: str):
    attempt = db.session().get(LoginAttempt, _keys(name, "")[0])
    if attempt is not None:
        db.session().delete(attempt)
        db.session().commit()
