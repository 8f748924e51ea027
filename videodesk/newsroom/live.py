"""Live streams: the rules the API, the studio and the ingest service share (docs/LIVE.md).

State changes go through core/lifecycle/live.py; what follows each (the webhook it names, the page
cache) is applied here once, in `_follow`, inside the transaction that made the change."""
import re
import secrets

from sqlalchemy import and_, select

from videodesk.auth.access import can_manage_video
from videodesk.core import changes, db, storage
from videodesk.core.errors import Conflict, Forbidden, NotFound
from videodesk.core.ids import is_random_id
from videodesk.core.lifecycle import live as lifecycle
from videodesk.core.lifecycle import video as video_lifecycle
from videodesk.core.lifecycle.live import EndReason, LiveStatus
from videodesk.core.lifecycle.states import ClipOrigin
from videodesk.core.models import LiveCue, LiveStream, Video, utcnow
from videodesk.core.outbox import LiveStreamEvent, VideoEvent
from videodesk.core.validation import text_field
from videodesk.media.captions import from_cues
from videodesk.newsroom import audit, clips, library, webhooks
from videodesk.objectstore import StoreError

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
LISTED = 200


def caption_label(lang: str | None) -> str:
    """The live track's label says what it is: machine-made, as it was said."""
    return f"{library.ENGLISH_NAMES.get(lang or 'en', lang)} (auto-generated, live)"


def recording_caption_label(lang: str | None) -> str:
    """The live captions kept on the recording (the track menu adds "(auto-generated)" itself)."""
    return f"{library.ENGLISH_NAMES.get(lang or 'en', lang)} live captions"


def new_key() -> str:
    return secrets.token_urlsafe(24)


def stream_data(stream: LiveStream) -> dict:
    """The essentials for webhooks (GET the `url` for the rest; the stream key is never sent)."""
    return {"id": stream.id, "title": stream.title, "status": stream.status,
            "started_at": stream.started_at.isoformat() if stream.started_at else None,
            "ended_at": stream.ended_at.isoformat() if stream.ended_at else None,
            "ended_reason": stream.ended_reason, "video_id": stream.video_id, "url": f"/api/live/{stream.id}"}


def announce(effect: LiveStreamEvent):
    """The webhook a live stream's lifecycle declared: its deliveries are written in the transaction
    of the change (outbox handler, in_transaction)."""
    stream = stream_by_id(effect.live_id)
    if stream is not None:
        webhooks.emit(effect.event, stream_data(stream))


def recording_ready(effect: VideoEvent):
    """A video became ready: if it is a live stream's recording, the stream says so too."""
    if effect.event == "video.ready":
        stream = db.session().scalar(select(LiveStream).where(LiveStream.video_id == effect.video_id))
        if stream is not None:
            lifecycle.recording_ready(stream)


def create(user, data: dict) -> LiveStream:
    title = text_field(data, "title", required=True, max_length=300)
    stream = LiveStream(owner_id=user.id, title=title, stream_key=new_key())  # idle (the column's default)
    db.session().add(stream)
    db.session().commit()
    return stream


def _may_manage(user, stream: LiveStream) -> bool:
    return can_manage_video(user, stream)


def stream_for(user, live_id: str) -> LiveStream:
    """The stream if this user may manage it; NotFound otherwise."""
    stream = db.session().get(LiveStream, live_id) if is_random_id(live_id) else None
    if stream is None or not _may_manage(user, stream):
        raise NotFound("No such live stream.")
    return stream


def stream_by_id(live_id: str) -> LiveStream | None:
    return db.session().get(LiveStream, live_id) if is_random_id(live_id) else None


def streams_visible_to(user, limit: int = LISTED) -> list[LiveStream]:
    query = select(LiveStream).order_by(LiveStream.created_at.desc()).limit(limit)
    if not user.has_role("editor"):
        query = query.where(LiveStream.owner_id == user.id)
    return list(db.session().scalars(query))


def end(user, stream: LiveStream) -> LiveStream:
    """The producer ends the stream: the ingest service drops the encoder and makes the recording."""
    lifecycle.end(stream, utcnow(), EndReason.PRODUCER)
    audit.record(user, "live_end", f"live:{stream.id}", title=stream.title)
    db.session().commit()
    return stream


def reset_key(user, stream: LiveStream) -> LiveStream:
    """A new key; the old one is refused from the next connection on."""
    stream.stream_key = new_key()
    audit.record(user, "live_reset_key", f"live:{stream.id}")
    db.session().commit()
    return stream


def delete_stream(user, stream: LiveStream):
    """Its live media go; the recording (a Video of its own) stays."""
    if stream.status == LiveStatus.LIVE:
        raise Conflict("End the live stream before deleting it.", code="conflict")
    audit.record(user, "live_delete", f"live:{stream.id}", title=stream.title)
    db.session().delete(stream)
    db.session().commit()
    try:
        storage.media_store().delete_prefix(storage.live_prefix(stream.id))
    except StoreError:
        pass  # the objects stay behind, unreachable: no row names them any more
    changes.content_changed()


# The ingest service's side (jobs/live/): who may publish, and what happened to the connection.

def authorize_publish(stream_key: str) -> LiveStream:
    """The stream a connecting encoder may publish, or Forbidden: an unknown or reset key, an ended
    stream, or a key that already has a publisher (one key, one publisher at a time)."""
    stream = None
    if isinstance(stream_key, str) and KEY_PATTERN.match(stream_key):
        stream = db.session().scalar(select(LiveStream).where(LiveStream.stream_key == stream_key))
    if stream is None:
        raise Forbidden("Unknown stream key.")
    if stream.status == LiveStatus.ENDED:
        raise Forbidden("This live stream has ended.")
    if stream.connected_at is not None:
        raise Forbidden("Another encoder is already publishing with this key.")
    return stream


def connected(stream: LiveStream):
    lifecycle.publish(stream, utcnow())
    db.session().commit()


def disconnected(stream: LiveStream):
    lifecycle.disconnect(stream, utcnow())
    db.session().commit()


def end_by_ingest(stream: LiveStream, reason: EndReason):
    lifecycle.end(stream, utcnow(), reason)
    db.session().commit()


def recording_made(stream: LiveStream, video: Video):
    lifecycle.recording_made(stream, video.id)
    db.session().commit()


def record_duration(live_id: str, seconds: float):
    """How much of the event is packaged (the DVR timeline's length, which clips may cut from)."""
    stream = stream_by_id(live_id)
    if stream is not None:
        stream.duration = round(seconds, 3)
        db.session().commit()


def add_cues(stream: LiveStream, lang: str, cues: list[dict]):
    """Recognised cues ({"start", "end", "text"} on the event's timeline) become searchable at once."""
    stream.captions_lang = stream.captions_lang or lang
    first = min((cue["start"] for cue in cues), default=None)
    db.session().add_all(LiveCue(live_id=stream.id, lang=lang, start=cue["start"], end=cue["end"],
                                 text=" ".join(cue["text"].split())) for cue in cues if cue["text"].strip())
    db.session().flush()
    if first is not None:
        for clip in _clips_waiting_for_cues(stream, first):
            _caption_clip(stream, clip)
    db.session().commit()
    changes.content_changed()


def cues(stream: LiveStream) -> list[LiveCue]:
    return list(db.session().scalars(select(LiveCue).where(LiveCue.live_id == stream.id).order_by(LiveCue.start)))


def find_cues(user, words: list[str], limit: int) -> list[dict]:
    """Cues of live captions holding every word, in the streams this user may manage that have no
    recording yet (a recording's own captions are searched like any video's)."""
    query = (select(LiveCue, LiveStream.title).join(LiveStream, LiveStream.id == LiveCue.live_id)
             .where(LiveStream.video_id.is_(None), and_(*(LiveCue.text.ilike(f"%{_escaped(w)}%", escape="\\")
                                                          for w in words)))
             .order_by(LiveCue.live_id, LiveCue.start).limit(limit))
    if not user.has_role("editor"):
        query = query.where(LiveStream.owner_id == user.id)
    return [{"video_id": None, "live_id": cue.live_id, "title": title, "track_id": None, "lang": cue.lang,
             "start": cue.start, "end": cue.end, "text": cue.text} for cue, title in db.session().execute(query)]


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def create_clip(user, stream: LiveStream, data: dict) -> Video:
    """A queued clip of the event so far ([start, end) in seconds since the stream started), with the
    live captions of its range; the queue cuts it from the stored segments (jobs/clipping.py)."""
    if stream.status == LiveStatus.IDLE or not stream.duration:
        raise Conflict(code="not_ready", message="Clips can be cut once the stream has sent some video.")
    start, end = clips.validate_range(data, stream.duration)
    title = text_field(data, "title", max_length=300) or f"{stream.title} ({clips.label(start)}–{clips.label(end)})"
    clip = library.new_video(user.id, title, f"live-{stream.id}", kind="clip")
    video_lifecycle.set_clip_origin(clip, ClipOrigin(live_id=stream.id, start=start, end=end))
    _caption_clip(stream, clip)
    db.session().commit()
    return clip


def _caption_clip(stream: LiveStream, clip: Video):
    """The clip's live track: the stream's cues of its range, shifted to start at 0 (a new version
    each time more of the range has been recognised)."""
    start, end = clip.clip_of.start, clip.clip_of.end
    shifted = [{"start": round(max(0.0, cue.start - start), 3), "end": round(min(end, cue.end) - start, 3),
                "text": cue.text} for cue in cues(stream) if cue.end > start and cue.start < end]
    if not shifted:
        return
    lang = stream.captions_lang or "en"
    track = next((t for t in clip.captions if t.source == "auto" and t.lang == lang), None)
    if track is None:
        library.add_caption_track(clip, from_cues(shifted), lang, recording_caption_label(lang), source="auto")
    else:
        library.replace_track_file(track, library.write_caption_file(clip, from_cues(shifted), lang), machine=True)


def _clips_waiting_for_cues(stream: LiveStream, since: float) -> list[Video]:
    """Clips of the stream whose range reaches past `since` (their captions may still grow)."""
    query = select(Video).where(Video.source_kind == "clip", Video.clip_of["live_id"].as_string() == stream.id)
    return [clip for clip in db.session().scalars(query) if clip.clip_of.end > since]
