"""The video library: new rows, caption tracks, lookups with access rules, deletion."""
import shutil
from pathlib import Path

from sqlalchemy import select

from videodesk.auth.access import can_manage_video, can_review_captions
from videodesk.core import db, outbox, storage
from videodesk.core.errors import Conflict, NotFound, Unavailable
from videodesk.core.ids import file_token
from videodesk.core.languages import ENGLISH_NAMES, language_name
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import CaptionTrack, Video, utcnow
from videodesk.core.text import storable
from videodesk.newsroom import audit, search
from videodesk.objectstore import StoreError

# Where a video's original came from (Video.source_kind), as the studio's filter names it.
SOURCE_KINDS = {"upload": "upload", "url": "link import", "clip": "clip"}


def video_for(user, video_id: str) -> Video:
    """The video if this user may manage it; NotFound otherwise (others' videos are not revealed)."""
    video = db.session().get(Video, video_id)
    if video is None or not can_manage_video(user, video):
        raise NotFound("No such video.")
    return video


def require_ready(video: Video, what: str):
    """`what` completes the sentence: "The poster can be chosen" once the video is ready."""
    if video.status != VideoStatus.READY:
        raise Conflict(code="not_ready", message=f"{what} once the video is ready.")


def new_video(owner_id: int | None, title: str, source_name: str, kind: str = "upload") -> Video:
    """A queued Video row with its id assigned, before any file is stored."""
    video = Video(title=storable(title)[:300], owner_id=owner_id, source_kind=kind,
                  source_name=storable(source_name)[:300])
    db.session().add(video)
    db.session().flush()
    return video


def import_local_file(path: Path, owner_id: int | None, title: str, *, kind: str = "upload",
                      move: bool = False) -> Video:
    """Copy (or `move`) a file already on this machine (seed, CLI, a live recording) into the library."""
    video = new_video(owner_id, title, Path(path).name, kind=kind)
    destination = storage.source_path(video.id)
    destination.parent.mkdir(parents=True, exist_ok=True)
    (shutil.move if move else shutil.copyfile)(path, destination)
    video.source_size = destination.stat().st_size
    keep_original(video.id)
    return video


def keep_original(video_id: str):
    """With a remote media store the original in uploads/ becomes a private object that a worker on
    any machine can fetch (multipart for big files), and leaves this node; with the local store it
    already is where workers read it."""
    if storage.media_in_place():
        return
    try:
        storage.media_store().put_file(storage.original_key(video_id), storage.source_path(video_id))
    except StoreError as exc:
        raise Unavailable("The media store did not answer, so the video was not stored. Try again shortly.") from exc
    finally:
        storage.remove_tree(storage.upload_dir(video_id))


def add_caption_track(video: Video, webvtt_text: str, lang: str, label: str | None = None,
                      source: str = "upload") -> CaptionTrack:
    """Store a new caption file (old versions stay on disk) and its track row."""
    return register_caption_track(video, write_caption_file(video, webvtt_text, lang), lang, label, source)


def write_caption_file(video: Video, webvtt_text: str, lang: str) -> str:
    """A new file per version, so an edit never overwrites what readers or caches hold."""
    filename = f"captions-{lang}-{file_token()}.vtt"
    store_media_text(video, filename, webvtt_text)
    return filename


def store_media_text(video: Video, filename: str, text: str):
    """A small text file of a video (captions, chapters) into the media store, public if the video is."""
    try:
        storage.media_store().put_bytes(storage.media_key(video.id, filename), text.encode("utf-8"))
    except StoreError as exc:
        raise Unavailable("The media store did not answer, so the change was not saved. Try again shortly.") from exc
    outbox.declare(db.session(), outbox.MediaStored(video.id, (filename,)))


def read_media_text(video: Video, filename: str) -> str:
    """A small text file of a video (captions) from the media store."""
    try:
        return storage.media_store().read_bytes(storage.media_key(video.id, filename)).decode("utf-8")
    except StoreError as exc:
        raise Unavailable("The media store did not answer. Try again shortly.") from exc


def add_captions(video: Video, webvtt_text: str, lang: str, label: str | None = None) -> CaptionTrack:
    """An uploaded caption file as a track of its own, visible to readers at once."""
    track = add_caption_track(video, webvtt_text, lang, label)
    outbox.commit(db.session(), outbox.ContentChanged())
    return track


def save_captions(video: Video, webvtt_text: str, lang: str, label: str | None = None, *,
                  user=None) -> tuple[CaptionTrack, bool]:
    """A new version of the language's track (or a new track); returns (track, created).
    Earlier versions stay on disk and in the track's history. A person editing an automatic
    track has reviewed it."""
    track = next((t for t in video.captions if t.lang == lang), None)
    created = track is None
    if created:
        track = add_caption_track(video, webvtt_text, lang, label)
    else:
        replace_track_file(track, write_caption_file(video, webvtt_text, lang))
        if user is not None and can_review_captions(user):
            mark_reviewed(track, user)
    outbox.commit(db.session(), outbox.ContentChanged())
    return track, created


def register_caption_track(video: Video, filename: str, lang: str, label: str | None = None,
                           source: str = "upload", translated_from: str | None = None) -> CaptionTrack:
    """A track row for a caption file already in the video's media folder, indexed for search."""
    track = CaptionTrack(lang=lang, label=storable(label or language_name(lang)),
                         source=source, filename=filename, translated_from=translated_from)
    video.captions.append(track)
    search.index_track(track)
    outbox.declare(db.session(), outbox.MediaStored(video.id, (filename,)))  # a published video's copy gets it
    return track


def replace_track_file(track: CaptionTrack, filename: str, *, machine: bool = False):
    """Point a track at a new version and index it; new machine words need a new review."""
    track.replace_file(filename)
    if machine:
        track.reviewed_at = track.reviewed_by = None
    search.index_track(track)
    outbox.declare(db.session(), outbox.MediaStored(track.video_id, (filename,)))


def mark_reviewed(track: CaptionTrack, user):
    if track.source == "auto" and track.reviewed_at is None:
        track.reviewed_at, track.reviewed_by = utcnow(), user.name


def review_captions(video: Video, lang: str, user) -> CaptionTrack:
    """A person vouches for the automatic track of a language: readers get it by default and its
    label no longer says "auto-generated"."""
    tracks = [t for t in video.captions if t.lang == lang]
    track = next((t for t in tracks if t.source == "auto"), tracks[0] if tracks else None)
    if track is None:
        raise NotFound(f"The video has no '{lang}' caption track.")
    mark_reviewed(track, user)
    outbox.commit(db.session(), outbox.ContentChanged())
    return track


def track_label(track: CaptionTrack) -> str:
    """What the player's menu shows: "English (translated from French, auto-generated)" until a
    person has reviewed an automatic track, "English (translated from French)" after."""
    notes = []
    if track.translated_from:
        notes.append(f"translated from {ENGLISH_NAMES.get(track.translated_from, track.translated_from)}")
    if not track.reviewed:
        notes.append("auto-generated")
    return f"{track.label} ({', '.join(notes)})" if notes else track.label


def delete_video(video: Video, user) -> list[str]:
    """Remove a video, its media and its original; stories that used it lose the player (their
    slugs are returned and recorded in the audit log so editors can follow up). The objects go
    first: if the store does not answer, nothing is deleted and the caller may try again."""
    stories = [story.slug for story in video.stories]
    try:
        storage.delete_video_objects(video.id)
    except StoreError as exc:
        raise Unavailable("The media store did not answer, so the video was not deleted. Try again shortly.") from exc
    for story in list(video.stories):
        story.video_id = None
    audit.record(user, "delete", f"video:{video.id}", title=video.title, stories=stories)
    search.remove_video(video.id)
    db.session().delete(video)
    outbox.commit(db.session(), outbox.ContentChanged())
    storage.remove_tree(storage.upload_dir(video.id))
    return stories


PICKER_LIMIT = 30


def visible_videos_query(user, *, title: str = "", ids: list[str] | None = None, limit: int = PICKER_LIMIT):
    """Newest first, with the access rule of `video_for` (producers see their own); callers may add filters."""
    query = select(Video).order_by(Video.created_at.desc()).limit(limit)
    if not user.has_role("editor"):
        query = query.where(Video.owner_id == user.id)
    if title:
        query = query.where(Video.title.icontains(title, autoescape=True))
    if ids is not None:
        query = query.where(Video.id.in_(ids[:limit]))
    return query


def videos_visible_to(user, *, title: str = "", ids: list[str] | None = None, limit: int = PICKER_LIMIT) -> list[Video]:
    """What a picker offers."""
    return list(db.session().scalars(visible_videos_query(user, title=title, ids=ids, limit=limit)))
