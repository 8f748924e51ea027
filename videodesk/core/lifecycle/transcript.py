"""A long recording's transcript in parts (jobs/transcription.py), with the lifecycle every part has
(parts.py): each part a TRANSCRIBE_PART job that any idle worker takes, then the part named MERGE,
claimed once every other part is done, joins them into the tracks.

Parts are planned (`plan`) by the video's running captions job, which stays running while they are
out with the workers (each part holds its own lease); planning again replaces them."""
from sqlalchemy import delete

from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle.parts import DONE, QUEUED, RUNNING, Parts
from videodesk.core.models import TranscriptPart
from videodesk.core.outbox import Job, declare

__all__ = ("DONE", "MERGE", "QUEUED", "RUNNING", "claim", "claim_next", "done", "parts", "plan", "prefix", "remove",
           "report", "requeue_stalled", "touch", "transcribed", "waiting_since")
MERGE = "merge"


def job(video_id: str, name: str) -> Job:
    return Job(JobName.TRANSCRIBE_PART, (video_id, name))


PARTS = Parts(TranscriptPart, job)
report, requeue_stalled, waiting_since, touch = PARTS.report, PARTS.requeue_stalled, PARTS.waiting_since, PARTS.touch
parts = PARTS.of


def plan(session, video_id: str, language: str, track: str, bounds: list[tuple[float, float]]):
    """The parts of a video's transcript, queued and sent (earlier ones go): {start, end} seconds each."""
    remove(session, video_id)
    rows = {f"{index:04d}": (start, end) for index, (start, end) in enumerate(bounds)}
    rows[MERGE] = (0.0, bounds[-1][1])
    PARTS.plan(session, video_id, {name: {"start_s": start, "end_s": end, "language": language, "track": track,
                                          "words": [], "translation": [], "until_s": start}
                                   for name, (start, end) in rows.items()})
    declare(session, *(job(video_id, name) for name in rows if name != MERGE))


def claim(session, video_id: str, name: str, worker: str, stalled_before) -> bool:
    """Take a part (it starts again from its beginning), or the merge once every other part is done."""
    if name == MERGE:
        return transcribed(session, video_id) and PARTS.claim(session, video_id, name, worker, stalled_before)
    return PARTS.claim(session, video_id, name, worker, stalled_before, words=[], translation=[],
                       until_s=TranscriptPart.start_s)


def claim_next(session, video_id: str, worker: str, stalled_before) -> str | None:
    """The first waiting part in the recording's order that this worker could take, else the merge."""
    for name, part in parts(session, video_id).items():
        if name != MERGE and part.status == QUEUED and claim(session, video_id, name, worker, stalled_before):
            return name
    return MERGE if claim(session, video_id, MERGE, worker, stalled_before) else None


def done(session, video_id: str, name: str, words: list, translation: list) -> bool:
    """running -> done with the part's words (the merge is not marked: it removes the parts)."""
    return PARTS.done(session, video_id, name, words=words, translation=translation, until_s=TranscriptPart.end_s)


def transcribed(session, video_id: str) -> bool:
    """Every part but the merge is done."""
    found = parts(session, video_id)
    return bool(found) and all(part.status == DONE for name, part in found.items() if name != MERGE)


def prefix(found: dict[str, TranscriptPart]) -> tuple[list, float]:
    """The words known from the start on without a gap (the parts done in order, then the words so
    far of the first unfinished one) and how far they reach: what search and clips may use."""
    words, until = [], 0.0
    for name, part in found.items():
        if name == MERGE:
            continue
        words += part.words
        until = part.until_s
        if part.status != DONE:
            break
    return words, until


def remove(session, video_id: str):
    session.execute(delete(TranscriptPart).where(TranscriptPart.video_id == video_id))
