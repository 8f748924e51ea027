"""Work that may leave the process only once its transaction is committed (webhook deliveries).

Domain code writes an outbox row and calls `after_commit(session, kind, row_id)` in the same
transaction; when the session commits, the dispatcher the app registered for that kind (the queue:
jobs/queue.py) is handed the id, and a rollback forgets it. So a receiver never hears of a change
that was rolled back, and the lower layers never import the queue. The hand-over is best effort: an
id lost between the commit and the dispatch (the process died, Redis was down) stays in its table as
due work, which the queue's periodic sweep finds again."""
import logging

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

EXTENSION = "videodesk.outbox"
_PENDING = "videodesk.outbox"
log = logging.getLogger(__name__)


def set_dispatcher(app, kind: str, dispatch):
    """`dispatch(row_id)` is called after each commit that recorded a row of this kind."""
    app.extensions.setdefault(EXTENSION, {})[kind] = dispatch


def after_commit(session: Session, kind: str, row_id: str):
    session.info.setdefault(_PENDING, []).append((kind, row_id))


@event.listens_for(Session, "after_commit")
def _dispatch(session: Session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    dispatchers = current_app.extensions.get(EXTENSION, {})
    for kind, row_id in pending:
        dispatch = dispatchers.get(kind)
        if dispatch is None:
            continue
        try:
            dispatch(row_id)
        except Exception:  # the row is committed; the sweep sends it later
            log.exception("could not hand %s %s to the queue", kind, row_id)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session):
    session.info.pop(_PENDING, None)
