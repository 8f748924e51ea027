"""The states of a live stream and the only functions that change them (PeerTube's video-state.ts
is the model). A stream is `idle` until its encoder first publishes, `live` from then on, through
encoder drops and reconnects, until it is `ended` (by the producer, by the ingest service when the
encoder stayed away past the reconnect window, by the maximum length, or by a full disk); an ended
stream never goes back. Each transition names the webhook event that follows it, declared once
here; newsroom/live.py records it in the same transaction (the outbox sends it after the commit)."""
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from videodesk.core.errors import Conflict


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


@dataclass(frozen=True)
class Transition:
    """What a transition did: the webhook event that follows it (None: nothing to tell)."""
    event: str | None


STARTED = Transition("live.started")
RESUMED = Transition(None)
ENDED = Transition("live.ended")
RECORDING = Transition(None)
RECORDING_READY = Transition("live.recording_ready")


def publish(stream, now: datetime) -> Transition:
    """The encoder connected (first time: the event starts; again: the same event resumes)."""
    if stream.status == LiveStatus.ENDED:
        raise Conflict(code="ended", message="This live stream has ended; create a new one.")
    stream.connected_at = now
    if stream.status == LiveStatus.LIVE:
        return RESUMED
    stream.status = LiveStatus.LIVE
    stream.started_at = now
    return STARTED


def disconnect(stream, now: datetime):
    """The encoder went away; the stream stays live for the reconnect window."""
    stream.connected_at = None
    stream.disconnected_at = now


def end(stream, now: datetime, reason: EndReason) -> Transition:
    """An idle or live stream ends (an idle one has nothing to record)."""
    if stream.status == LiveStatus.ENDED:
        return Transition(None)
    stream.status = LiveStatus.ENDED
    stream.ended_at = now
    stream.ended_reason = reason.value
    stream.connected_at = None
    return ENDED


def recording_made(stream, video_id: str) -> Transition:
    """The recording became a Video (queued through the normal pipeline)."""
    stream.video_id = video_id
    return RECORDING


def recording_ready(stream) -> Transition:
    return RECORDING_READY if stream.status == LiveStatus.ENDED and stream.video_id else Transition(None)
