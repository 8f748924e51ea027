"""Sign-in throttling, keyed so that nobody can lock out someone else.

* Per client address (every sign-in, password or token): at most MAX_FAILURES attempts are checked
  within WINDOW; after that many failures the address is paused for LOCKOUT. Only the guesser's own
  address (or its proxy's, when the proxy is not trusted: VIDEODESK_TRUSTED_PROXIES) is paused.
* Per account name (password sign-ins): after MAX_FAILURES failures within WINDOW, from any
  addresses, each further check of that name waits a delay that doubles from one second up to
  MAX_DELAY. A stranger can slow an account down for at most MAX_DELAY at a time, never lock it;
  its owner's right password is accepted as soon as the delay has passed.

Each attempt is counted by one atomic statement (an upsert returning the new count) BEFORE the
password is checked, so parallel attempts cannot all slip under the limit: the sixth of sixteen
simultaneous guesses is refused without a password check; past the name's free attempts, one
conditional UPDATE claims the next check, so parallel guesses at a name get one check per delay.
A successful sign-in forgets the name's failures and gives the address back its attempt. The
message never says whether the name exists."""
from datetime import timedelta

from sqlalchemy import case, delete, literal, or_, update
from sqlalchemy.dialects import postgresql, sqlite

from videodesk.core import db
from videodesk.core.db import UTCDateTime
from videodesk.core.models import LoginAttempt, utcnow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
MAX_DELAY = timedelta(seconds=60)
FAILED = "Sign-in failed. Check the name and password."
PAUSED = "Too many failed sign-ins. Sign-in is paused for 15 minutes; try again later."
SLOWED = "Too many failed sign-ins for this name. Wait a minute and try again."
UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def _address_key(address: str) -> str:
    return f"addr:{address}"


def _name_key(name: str | None) -> str | None:
    """Token sign-ins have no name: they are counted by address only."""
    return f"name:{name.strip().lower()[:150]}" if name else None


def refusal(name: str | None, address: str) -> str | None:
    """Why sign-in is refused right now (PAUSED for the address, SLOWED for the name), else None."""
    now = utcnow()
    for key, message in ((_address_key(address), PAUSED), (_name_key(name), SLOWED)):
        attempt = db.session().get(LoginAttempt, key) if key else None
        if attempt is not None and attempt.locked_until is not None and attempt.locked_until > now:
            return message
    return None


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


def delay(failures: int) -> timedelta:
    """The wait before the next check of a name after `failures` attempts (none within the free ones)."""
    if failures <= MAX_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - MAX_FAILURES - 1, 16)), MAX_DELAY)


def _claim_check(key: str, failures: int) -> bool:
    """Past the free attempts, take the name's next check if no other attempt holds it, and make the
    one after it wait; one atomic UPDATE, so parallel guesses cannot share a check."""
    now = utcnow()
    claimed = db.session().execute(update(LoginAttempt).where(
        LoginAttempt.key == key, or_(LoginAttempt.locked_until.is_(None), LoginAttempt.locked_until <= now),
    ).values(locked_until=now + delay(failures)))
    return claimed.rowcount == 1


def admit(name: str | None, address: str) -> str | None:
    """Count this attempt; None if the password (or token) may be checked, else the refusal."""
    refused = None
    if _count(_address_key(address)) > MAX_FAILURES:
        refused = PAUSED
    elif (name_key := _name_key(name)) is not None:
        failures = _count(name_key)
        if failures > MAX_FAILURES and not _claim_check(name_key, failures):
            refused = SLOWED
    db.session().commit()
    return refused


def failed(address: str):
    """The checked credentials were wrong: pause the address once it has used up its attempts."""
    db.session().execute(update(LoginAttempt).where(
        LoginAttempt.key == _address_key(address), LoginAttempt.failures >= MAX_FAILURES,
    ).values(locked_until=utcnow() + LOCKOUT))
    db.session().commit()


def succeeded(name: str | None, address: str):
    """Forget the name's failures and give the address back the attempt it spent."""
    if (name_key := _name_key(name)) is not None:
        db.session().execute(delete(LoginAttempt).where(LoginAttempt.key == name_key))
    db.session().execute(update(LoginAttempt).where(LoginAttempt.key == _address_key(address),
                                                    LoginAttempt.failures > 0)
                         .values(failures=LoginAttempt.failures - 1))
    db.session().commit()
