"""Work cut into parts that any idle worker on any machine takes: a long clip's ladder (ladder.py)
and a long recording's transcript (transcript.py). These functions are the only writers of a
part's status.

    queued --claim--> running --done--> done
    running (its worker silent for a lease) --requeue_stalled--> queued

Each part is a row (video id, name) claimed by compare-and-set; its `updated_at` is its lease,
renewed by each progress report, so a killed worker costs only the part it held."""
from collections.abc import Callable

from sqlalchemy import and_, or_, select, update

from videodesk.core.lifecycle.states import PartStatus
from videodesk.core.models import utcnow
from videodesk.core.outbox import Job, declare

QUEUED, RUNNING, DONE = PartStatus.QUEUED, PartStatus.RUNNING, PartStatus.DONE


class Parts:
    """The parts of one kind of work: `model` is their table, `job(video_id, name)` the queue job that runs one."""

    def __init__(self, model, job: Callable[[str, str], Job]):
        self.model = model
        self.job = job

    def _one(self, video_id: str, name: str):
        return (self.model.video_id == video_id) & (self.model.name == name)

    def of(self, session, video_id: str) -> dict:
        """{name: part} of a video, in name order."""
        return {part.name: part for part in session.scalars(
            select(self.model).where(self.model.video_id == video_id).order_by(self.model.name))}

    def plan(self, session, video_id: str, parts: dict[str, dict]):
        """The parts of a video, queued: {name: other columns}."""
        for name, values in parts.items():
            session.add(self.model(video_id=video_id, name=name, status=QUEUED, **values))

    def claim(self, session, video_id: str, name: str, worker: str, stalled_before, **fresh) -> bool:
        """queued -> running for this worker in one UPDATE, or take over a running part whose worker
        has been silent since `stalled_before`; `fresh`: columns a new start resets."""
        model = self.model
        claimed = session.execute(
            update(model)
            .where(self._one(video_id, name),
                   or_(model.status == QUEUED, and_(model.status == RUNNING, model.updated_at < stalled_before)))
            .values(status=RUNNING, worker=worker, attempts=model.attempts + 1, progress=0.0, updated_at=utcnow(),
                    **fresh))
        return claimed.rowcount == 1

    def report(self, session, video_id: str, name: str, fraction: float | None = None, **values):
        """A running part's progress (None: only renew its lease), and what it has made so far."""
        if fraction is not None:
            values["progress"] = round(fraction, 3)
        session.execute(update(self.model).where(self._one(video_id, name), self.model.status == RUNNING)
                        .values(updated_at=utcnow(), **values))

    def done(self, session, video_id: str, name: str, **values) -> bool:
        """running -> done; False when the part was not running (another worker took it over and finished)."""
        finished = session.execute(update(self.model).where(self._one(video_id, name), self.model.status == RUNNING)
                                   .values(status=DONE, progress=1.0, updated_at=utcnow(), **values))
        return finished.rowcount == 1

    def requeue_stalled(self, session, stalled_before) -> list[tuple[str, str]]:
        """running -> queued for parts whose worker stopped renewing the lease: (video id, part name)."""
        stalled = list(session.scalars(select(self.model).where(self.model.status == RUNNING,
                                                                self.model.updated_at < stalled_before)))
        for part in stalled:
            part.status = QUEUED
            declare(session, self.job(part.video_id, part.name))
        return [(part.video_id, part.name) for part in stalled]

    def waiting_since(self, session, before) -> list[tuple[str, str]]:
        """Queued parts untouched since `before`: their queue message may have been lost."""
        return [(part.video_id, part.name) for part in session.scalars(
            select(self.model).where(self.model.status == QUEUED, self.model.updated_at < before))]

    def touch(self, session, parts: list[tuple[str, str]]):
        """Queued parts just sent again: a sweep before they run does not send them twice."""
        for video_id, name in parts:
            session.execute(update(self.model).where(self._one(video_id, name), self.model.status == QUEUED)
                            .values(updated_at=utcnow()))
