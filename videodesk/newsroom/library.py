"""The video library: new rows, caption tracks, lookups with access rules, deletion."""
import shutil
from pathlib import Path

from sqlalchemy import select

from videodesk.auth.access import can_manage_video
from videodesk.core import changes, db, storage
from videodesk.core.errors import Conflict, NotFound
from videodesk.core.ids import random_id
from videodesk.core.models import CaptionTrack, Video
from videodesk.core.text import storable
from videodesk.newsroom import audit

LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "it": "Italiano",
                  "pt": "Português", "nl": "Nederlands", "ar": "العربية", "zh": "中文", "ja": "日本語"}


def video_for(user, video_id: str) -> Video:
    """The video if this user may manage it; NotFound otherwise (others' videos are not revealed)."""
    video = db.session().get(Video, video_id)
    if video is None or not can_manage_video(user, video):
        raise NotFound("No such video.")
    return video


def require_ready(video: Video, what: str):
    """`what` completes the sentence: "The poster can be chosen" once the video is ready."""
    if video.status != "ready":
        raise Conflict(code="not_ready", message=f"{what} once the video is ready.")


def new_video(owner_id: int | None, title: str, source_name: str, kind: str = "upload") -> Video:
    """A queued Video row with its id assigned, before any file is stored."""
    video = Video(title=storable(title)[:300], owner_id=owner_id, source_kind=kind,
                  source_name=storable(source_name)[:300])
    db.session().add(video)
    db.session().flush()
    return video


def import_local_file(path: Path, owner_id: int | None, title: str) -> Video:
    """Copy a file already on this machine (seed, CLI) into the library."""
    video = new_video(owner_id, title, Path(path).name)
    destination = storage.source_path(video.id)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, destination)
    video.source_size = destination.stat().st_size
    return video


def add_caption_track(video: Video, webvtt_text: str, lang: str, label: str | None = None,
                      source: str = "upload") -> CaptionTrack:
    """Store a new caption file (old versions stay on disk) and its track row."""
    return register_caption_track(video, write_caption_file(video, webvtt_text, lang), lang, label, source)


def write_caption_file(video: Video, webvtt_text: str, lang: str) -> str:
    """A new file per version, so an edit never overwrites what readers or caches hold."""
    filename = f"captions-{lang}-{random_id(6)}.vtt"
    folder = storage.media_dir(video.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_text(webvtt_text, encoding="utf-8")
    return filename


def add_captions(video: Video, webvtt_text: str, lang: str, label: str | None = None) -> CaptionTrack:
    """An uploaded caption file as a track of its own, visible to readers at once."""
    track = add_caption_track(video, webvtt_text, lang, label)
    db.session().commit()
    changes.content_changed()
    return track


def save_captions(video: Video, webvtt_text: str, lang: str, label: str | None = None) -> tuple[CaptionTrack, bool]:
    """A new version of the language's track (or a new track); returns (track, created).
    Earlier versions stay on disk and in the track's history."""
    track = next((t for t in video.captions if t.lang == lang), None)
    created = track is None
    if created:
        track = add_caption_track(video, webvtt_text, lang, label)
    else:
        track.replace_file(write_caption_file(video, webvtt_text, lang))
    db.session().commit()
    changes.content_changed()
    return track, created


def register_caption_track(video: Video, filename: str, lang: str, label: str | None = None,
                           source: str = "upload") -> CaptionTrack:
    track = CaptionTrack(lang=lang, label=storable(label or LANGUAGE_NAMES.get(lang.split("-")[0], lang)),
                         source=source, filename=filename)
    video.captions.append(track)
    return track


def delete_video(video: Video, user) -> list[str]:
    """Remove a video, its media and its original; stories that used it lose the player (their
    slugs are returned and recorded in the audit log so editors can follow up)."""
    stories = [story.slug for story in video.stories]
    for story in list(video.stories):
        story.video_id = None
    audit.record(user, "delete", f"video:{video.id}", title=video.title, stories=stories)
    db.session().delete(video)
    db.session().commit()
    storage.remove_tree(storage.media_dir(video.id))
    storage.remove_tree(storage.upload_dir(video.id))
    changes.content_changed()
    return stories


PICKER_LIMIT = 30


def videos_visible_to(user, *, title: str = "", ids: list[str] | None = None, limit: int = PICKER_LIMIT) -> list[Video]:
    """Newest first, with the access rule of `video_for` (producers see their own): what a picker offers."""
    query = select(Video).order_by(Video.created_at.desc()).limit(limit)
    if not user.has_role("editor"):
        query = query.where(Video.owner_id == user.id)
    if title:
        query = query.where(Video.title.icontains(title, autoescape=True))
    if ids is not None:
        query = query.where(Video.id.in_(ids[:limit]))
    return list(db.session().scalars(query))
