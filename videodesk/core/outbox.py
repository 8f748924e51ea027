"""What follows a change, declared in the transaction that causes it and carried out once it commits.

A service function states what happened: `declare(session, ContentChanged(), MediaStored(...),
Job(...), VideoEvent(...))`. One place makes it so: the handler the app registered for each kind
(`handle(app, kind, handler)`; app.py wires them). A rollback forgets what was declared, so nothing
follows a change that did not happen, and the lower layers never import the queue or the store's
visibility rules.

Handlers registered `in_transaction` run just before the commit, inside it: a webhook's delivery rows
are written with the change that caused them. The others run after the commit, each in an app context
of its own (its own database session: a unit of work of its own). An after-commit handler that fails
is logged, not raised: the change is committed, and each kind has a sweep that catches up (the queue's
recover_stalled and resend_overdue_webhooks, visibility.sync_all)."""
import logging
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from videodesk.core.jobnames import JobName

EXTENSION = "videodesk.outbox"
_PENDING = "videodesk.outbox"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContentChanged:
    """What readers see changed: rendered pages are made again (core/changes.py)."""


@dataclass(frozen=True)
class MediaStored:
    """New objects of a video (file names; a name ending in "/" is a folder): they join its public
    copy if it has one. Only these are copied, never the whole video."""

    video_id: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class MediaUsed:
    """A live story may now use the video: its objects become public (newsroom/visibility.py)."""

    video_id: str


@dataclass(frozen=True)
class VideoEvent:
    """A webhook event about a video (video.playable, video.ready, video.failed)."""

    event: str
    video_id: str


@dataclass(frozen=True)
class LiveStreamEvent:
    """A webhook event about a live stream (live.started, live.ended, live.recording_ready)."""
    event: str
    live_id: str


@dataclass(frozen=True)
class Job:
    """A queue job to send, after `delay` seconds if given."""

    name: JobName
    args: tuple = ()
    delay: float | None = None


def handle(app, kind: type, handler, *, in_transaction: bool = False):
    """`handler(effect)` carries out every declared effect of this kind."""
    app.extensions.setdefault(EXTENSION, {})[kind] = (handler, in_transaction)


def declare(session: Session | None, *effects):
    """Record effects of the session's transaction; the same effect declared twice happens once."""
    if session is None:
        raise ValueError("effects belong to a transaction: add the row to a session first")
    pending = session.info.setdefault(_PENDING, [])
    pending.extend(effect for effect in effects if effect not in pending)


def commit(session: Session, *effects):
    """End a service call's unit of work: what happened is declared, and the session commits once.
    (The session is the app context's, one per request or job; whatever it has not committed when
    the context ends is rolled back, as Cosmic Python's unit of work does on exit.)"""
    declare(session, *effects)
    session.commit()


def _handlers() -> dict:
    return current_app.extensions.get(EXTENSION, {}) if has_app_context() else {}


@event.listens_for(Session, "before_commit")
def _in_transaction(session: Session):
    handlers = _handlers()
    pending = session.info.get(_PENDING, [])
    index = 0
    while index < len(pending):  # a handler may declare more effects
        handler, in_transaction = handlers.get(type(pending[index]), (None, False))
        if in_transaction:
            handler(pending.pop(index))
        else:
            index += 1


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    handlers = _handlers()
    app = current_app._get_current_object()
    for effect in pending:
        handler, _ = handlers.get(type(effect), (None, False))
        if handler is None:
            continue
        try:
            with app.app_context():
                handler(effect)
        except Exception:  # committed already: the kind's sweep catches up
            log.exception("could not carry out %s", effect)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session):
    session.info.pop(_PENDING, None)
