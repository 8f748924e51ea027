"""A parallel ladder's parts (jobs/parallel.py); these functions are the only writers of
`LadderPart.status`.

    queued --claim--> running --done--> done
    running (its worker silent for a lease) --requeue_stalled--> queued

Parts are created queued (`plan`) while their video is processing, and removed when it is reset.
Each chunk and the sound are a LADDER_PART job; the part named ASSEMBLE joins them (ASSEMBLE_LADDER)
once every other part is done."""
from sqlalchemy import and_, or_, select, update

from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle.states import PartStatus
from videodesk.core.models import LadderPart, utcnow
from videodesk.core.outbox import Job, declare

QUEUED, RUNNING, DONE = PartStatus.QUEUED, PartStatus.RUNNING, PartStatus.DONE
ASSEMBLE = "assemble"


def job(video_id: str, name: str) -> Job:
    """The queue job that runs a part."""
    return Job(JobName.ASSEMBLE_LADDER, (video_id,)) if name == ASSEMBLE else Job(JobName.LADDER_PART, (video_id, name))


def parts(session, video_id: str) -> dict[str, LadderPart]:
    return {part.name: part for part in session.scalars(select(LadderPart).where(LadderPart.video_id == video_id))}


def encoded(session, video_id: str) -> bool:
    """Every chunk and the sound are done: the assembly may start."""
    found = parts(session, video_id)
    return bool(found) and all(p.status == DONE for n, p in found.items() if n != ASSEMBLE)


def send_waiting(session, video_id: str):
    """Declare the jobs of the parts that wait: the assembly once every other part is done."""
    names = [ASSEMBLE] if encoded(session, video_id) else sorted(
        name for name, part in parts(session, video_id).items() if name != ASSEMBLE and part.status == QUEUED)
    declare(session, *(job(video_id, name) for name in names))


def plan(session, video_id: str, weights: dict[str, float]):
    """The parts of a video's ladder, queued: {name: share of the ladder's work}."""
    for name, weight in weights.items():
        session.add(LadderPart(video_id=video_id, name=name, weight=weight, status=QUEUED))


def _one(video_id: str, name: str):
    return (LadderPart.video_id == video_id) & (LadderPart.name == name)


def claim(session, video_id: str, name: str, worker: str, stalled_before) -> bool:
    """queued -> running for this worker in one UPDATE, or take over a running part whose worker
    has been silent since `stalled_before`."""
    claimed = session.execute(
        update(LadderPart)
        .where(_one(video_id, name),
               or_(LadderPart.status == QUEUED, and_(LadderPart.status == RUNNING, LadderPart.updated_at < stalled_before)))
        .values(status=RUNNING, worker=worker, attempts=LadderPart.attempts + 1, progress=0.0, updated_at=utcnow()))
    return claimed.rowcount == 1


def report(session, video_id: str, name: str, fraction: float | None = None):
    """A running part's progress (None: only renew its lease)."""
    values = {} if fraction is None else {"progress": round(fraction, 3)}
    session.execute(update(LadderPart).where(_one(video_id, name), LadderPart.status == RUNNING)
                    .values(updated_at=utcnow(), **values))


def done(session, video_id: str, name: str) -> bool:
    """running -> done; False when the part was not running (another worker took it over and finished)."""
    finished = session.execute(update(LadderPart).where(_one(video_id, name), LadderPart.status == RUNNING)
                               .values(status=DONE, progress=1.0, updated_at=utcnow()))
    return finished.rowcount == 1


def requeue_stalled(session, stalled_before) -> list[tuple[str, str]]:
    """running -> queued for parts whose worker stopped renewing the lease: (video id, part name)."""
    stalled = list(session.scalars(select(LadderPart).where(LadderPart.status == RUNNING,
                                                            LadderPart.updated_at < stalled_before)))
    for part in stalled:
        part.status = QUEUED
        declare(session, job(part.video_id, part.name))
    return [(part.video_id, part.name) for part in stalled]


def waiting_since(session, before) -> list[tuple[str, str]]:
    """Queued parts untouched since `before`: their queue message may have been lost."""
    return [(part.video_id, part.name) for part in session.scalars(
        select(LadderPart).where(LadderPart.status == QUEUED, LadderPart.updated_at < before))]


def touch(session, parts: list[tuple[str, str]]):
    """Queued parts just sent again: a sweep before they run does not send them twice."""
    for video_id, name in parts:
        session.execute(update(LadderPart).where(_one(video_id, name), LadderPart.status == QUEUED)
                        .values(updated_at=utcnow()))
