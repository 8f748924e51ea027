"""A ladder's parts as bulk work (jobs/parallel.py), with the lifecycle every part has (parts.py).

Parts are created queued (`plan`) while their video is processing, and removed when it is reset.
Each chunk and the sound are a LADDER_PART job; the part named ASSEMBLE joins them (ASSEMBLE_LADDER)
once every other part is done. A ladder made in one pass has only that part."""
from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle.parts import DONE, QUEUED, RUNNING, Parts
from videodesk.core.models import LadderPart
from videodesk.core.outbox import Job, declare

__all__ = ("ASSEMBLE", "DONE", "QUEUED", "RUNNING", "claim", "done", "encoded", "job", "parts", "plan", "report",
           "requeue_stalled", "send_waiting", "touch", "waiting_since")
ASSEMBLE = "assemble"


def job(video_id: str, name: str) -> Job:
    """The queue job that runs a part."""
    return Job(JobName.ASSEMBLE_LADDER, (video_id,)) if name == ASSEMBLE else Job(JobName.LADDER_PART, (video_id, name))


PARTS = Parts(LadderPart, job)
claim, report, done = PARTS.claim, PARTS.report, PARTS.done
requeue_stalled, waiting_since, touch = PARTS.requeue_stalled, PARTS.waiting_since, PARTS.touch
parts = PARTS.of


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
    PARTS.plan(session, video_id, {name: {"weight": weight} for name, weight in weights.items()})
