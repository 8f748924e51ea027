"""The states of a live stream and the only functions that change them (PeerTube's video-state.ts
is the model). A stream is `idle` until its encoder first publishes, `live` from then on, through
encoder drops and reconnects, until it is `ended` (by the producer, by the ingest service when the
encoder stayed away past the reconnect window, by the maximum length, or by a full disk); an ended
stream never goes back. What follows each transition (the webhook, the pages) is declared here in
its transaction (core/outbox.py) and happens after the commit."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import object_session

from videodesk.core.errors import Conflict
from videodesk.core.outbox import ContentChanged, LiveStreamEvent, declare


class LiveStatus(StrEnum):
    IDLE = "idle"
    LIVE = "live"
    ENDED = "ended"


class EndReason(StrEnum):
    """Why a stream ended, shown to the producer in words (`ended_reason`)."""
    PRODUCER = "Ended by the producer."
    ENCODER_GONE = "The encoder stopped sending and did not come back."
    MAX_LENGTH = "The stream reached the longest allowed length (VIDEODESK_LIVE_MAX_H)."
    DISK_FULL = "The ingest machine ran out of disk space; what was recorded is kept."


def publish(stream, now: datetime):
    """The encoder connected (first time: the event starts; again: the same event resumes)."""
    if stream.status == LiveStatus.ENDED:
        raise Conflict(code="conflict", message="This live stream has ended; create a new one.")
    stream.connected_at = now
    if stream.status != LiveStatus.LIVE:
        stream.status, stream.started_at = LiveStatus.LIVE, now
        declare(object_session(stream), LiveStreamEvent("live.started", stream.id), ContentChanged())


def disconnect(stream, now: datetime):
    """The encoder went away; the stream stays live for the reconnect window."""
    stream.connected_at, stream.disconnected_at = None, now


def end(stream, now: datetime, reason: EndReason):
    """An idle or live stream ends (an idle one has nothing to record); ending twice is nothing."""
    if stream.status == LiveStatus.ENDED:
        return
    stream.status, stream.ended_at, stream.ended_reason, stream.connected_at = LiveStatus.ENDED, now, reason, None
    declare(object_session(stream), LiveStreamEvent("live.ended", stream.id), ContentChanged())


def recording_made(stream, video_id: str):
    """The recording became a Video (queued through the normal pipeline)."""
    stream.video_id = video_id
    declare(object_session(stream), ContentChanged())


def recording_ready(stream):
    """The recording's pipeline finished."""
    if stream.status == LiveStatus.ENDED and stream.video_id:
        declare(object_session(stream), LiveStreamEvent("live.recording_ready", stream.id))
