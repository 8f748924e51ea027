"""The sweep that recovers every job kind the same way (the queue runs it every minute):

- running work whose worker stopped renewing its lease (killed, or its machine went away) is queued
  again by its lifecycle, which declares the job to send (a processing video, a transcription, a
  ladder part);
- waiting work older than LOST_AFTER_S that no message in the queue names (a queue server
  restarted without persistence, an enqueue that failed during an outage) is sent again, and
  touched so that a sweep before the new job runs does not send it twice. A job sent twice this
  way runs once: its claim is a compare-and-set."""
from datetime import timedelta

from sqlalchemy import select

from videodesk.core import db
from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle import captioning, ladder, transcript
from videodesk.core.lifecycle import video as lifecycle
from videodesk.core.lifecycle.states import PartStatus, VideoStatus
from videodesk.core.models import LadderPart, TranscriptPart, Video, utcnow
from videodesk.jobs.processing import lease_cutoff

# Waiting work no queue message names is sent again after this long, not after a whole lease: a
# video made playable while the queue was down gets its ladder job within a sweep of the queue's return.
LOST_AFTER_S = 30


def requeue_stalled():
    session = db.session()
    cutoff = lease_cutoff()
    # A video whose ladder parts are out with the workers is recovered part by part.
    in_parts = select(LadderPart.video_id).where(LadderPart.status != PartStatus.DONE)
    lifecycle.requeue_stalled(session, cutoff, excluding=in_parts)
    # A transcript out in parts likewise (the merge is a part too).
    captioning.requeue_stalled(session, cutoff, excluding=select(TranscriptPart.video_id))
    ladder.requeue_stalled(session, cutoff)
    transcript.requeue_stalled(session, cutoff)
    session.commit()


def lost_from_queue(waiting: set[tuple]) -> list[tuple[JobName, tuple]]:
    """(job name, args) of the waiting work that no job in the queue names: `waiting` holds
    (name, *args) of every job there."""
    session = db.session()
    cutoff = utcnow() - timedelta(seconds=LOST_AFTER_S)
    lost = []
    for video in session.scalars(select(Video).where(Video.updated_at < cutoff, Video.status != VideoStatus.FAILED)):
        if video.status == VideoStatus.QUEUED and (JobName.PROCESS_VIDEO, video.id) not in waiting:
            lost.append((JobName.PROCESS_VIDEO, (video.id,)))
        elif captioning.is_waiting(video) and (JobName.TRANSCRIBE, video.id) not in waiting:
            lost.append((JobName.TRANSCRIBE, (video.id,)))
        else:
            continue
        video.updated_at = utcnow()
    parts = [(video_id, name) for video_id, name in ladder.waiting_since(session, cutoff)
             if ((JobName.ASSEMBLE_LADDER, video_id) if name == ladder.ASSEMBLE
                 else (JobName.LADDER_PART, video_id, name)) not in waiting]
    for video_id, name in parts:
        if name != ladder.ASSEMBLE:
            lost.append((JobName.LADDER_PART, (video_id, name)))
        elif ladder.encoded(session, video_id):
            lost.append((JobName.ASSEMBLE_LADDER, (video_id,)))
    ladder.touch(session, parts)
    speech = [(video_id, name) for video_id, name in transcript.waiting_since(session, cutoff)
              if (JobName.TRANSCRIBE_PART, video_id, name) not in waiting
              and (name != transcript.MERGE or transcript.transcribed(session, video_id))]
    lost += [(JobName.TRANSCRIBE_PART, part) for part in speech]
    transcript.touch(session, speech)
    session.commit()
    return lost
