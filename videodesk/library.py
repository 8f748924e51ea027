"""Operations on the video library shared by the API, the studio and the CLI."""
import shutil
from pathlib import Path

from . import audit, caching, db, storage
from .ids import random_id
from .models import CaptionTrack, Video
from .text import storable

LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch", "it": "Italiano",
                  "pt": "Português", "nl": "Nederlands", "ar": "العربية", "zh": "中文", "ja": "日本語"}


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
    caching.clear()
    return stories
