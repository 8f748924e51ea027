"""Published media is readable without a signature; nothing else is.

What is published of a video is the files it names now (`public_files`): its outputs, the
folders of its HLS playlists, its posters and social cuts, its current caption and chapter files.
Earlier caption versions, files left by a trim or a re-render, the quick version once the full
ladder is there: all stay in the store for the newsroom, private (not under the bucket's public
prefix, and not served by the app to readers; `web/reader/files.py` asks the same function).

A video's named objects are public in the media store (``store.set_public``) while a live story
uses the video and it has outputs; `Video.media_public` records what the store holds, so pages point
readers (or a CDN) at the public copy only once it exists, and at the app before that.

Withdrawing comes first: a story change that leaves a video private withdraws its objects before
the change is committed, and fails (503) if the store cannot, so an unpublished video's objects
are never left readable. Publishing comes after the commit (the outbox's MediaUsed, handled by
`publish_when_used`) and may fail quietly: readers are then served through the app until
`sync_all` (a periodic job, and after scheduled stories go live) catches up. New objects of a
published video (MediaStored: a caption version, a poster, a new ladder) join its public copy one
by one (`join_public_copy`), never by copying the whole video again, and the public objects the
video no longer names leave it then. A CDN keeps its copies until they expire or are purged
(docs/MANY_MACHINES.md).
"""
import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_, select

from videodesk.core import db, outbox, storage
from videodesk.core.errors import Unavailable
from videodesk.core.models import Story, Video
from videodesk.newsroom import media_files
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)


def should_be_public(video: Video) -> bool:
    return video.is_public and bool(video.outputs.names())


@dataclass(frozen=True)
class PublicFiles:
    """File names (relative to the video's folder) and folders (ending in '/') readers may fetch."""

    names: frozenset[str]
    folders: tuple[str, ...]

    def __contains__(self, name: str) -> bool:
        return name in self.names or name.startswith(self.folders)


def public_files(video: Video) -> PublicFiles:
    """What a published video shows readers: its current names, and everything in the folder of
    each HLS playlist it names (the renditions and segments the playlist lists)."""
    names = media_files.current_names(video)
    folders = {posixpath.dirname(name) + "/" for name in names if name.endswith(".m3u8") and "/" in name}
    return PublicFiles(frozenset(names), tuple(sorted(folders)))


def _named_by(video: Video) -> Callable[[str], bool]:
    """Whether a store key (`<video id>/<name>`) is one of the video's public files."""
    files = public_files(video)
    return lambda key: key.partition("/")[2] in files


def _publish(video: Video):
    """Make exactly the video's public files public in the store (every other public object of it goes)."""
    storage.media_store().set_public(video.id, True, only=_named_by(video))


def _refreshed(videos) -> list[Video]:
    """The videos with their `stories` reloaded: a story's video_id changed in this session is not yet
    reflected in the other side's list."""
    session = db.session()
    session.flush()
    found = [video for video in videos if video is not None]
    for video in found:
        session.expire(video, ["stories"])
    return found


def withdraw_before_commit(videos):
    """Make private, before the caller commits, the objects of videos that no live story uses anymore."""
    for video in _refreshed(videos):
        if video.media_public and not should_be_public(video):
            try:
                storage.media_store().set_public(video.id, False)
            except StoreError as exc:
                raise Unavailable("The media store did not answer, so the video could not be made private; "
                                  "nothing was changed. Try again shortly.") from exc
            video.media_public = False


def publish_when_used(effect: outbox.MediaUsed):
    """Publish the objects of a video that a live story now uses; a failure is left to `sync_all`."""
    published = False
    for video in _refreshed([db.session().get(Video, effect.video_id)]):
        if should_be_public(video) and not video.media_public:
            try:
                _publish(video)
            except StoreError as exc:
                log.warning("publishing media of video %s failed, will retry: %s", video.id, exc)
                continue
            video.media_public = published = True
    if published:
        outbox.declare(db.session(), outbox.ContentChanged())  # pages may now point at the public copy
        db.session().commit()


def join_public_copy(effect: outbox.MediaStored):
    """New objects of a published video join its public copy: only these, and only what the video
    names (a ladder's folder as a whole); then the public objects it no longer names (a replaced
    caption version, an earlier poster) leave it."""
    video = db.session().get(Video, effect.video_id)
    if video is None or not video.media_public:
        return
    store, named = storage.media_store(), _named_by(video)
    try:
        for name in effect.names:
            if name.endswith("/"):
                store.set_public(storage.media_key(video.id, name.rstrip("/")), True, only=named)
            elif named(storage.media_key(video.id, name)):
                store.join_public(storage.media_key(video.id, name))
        store.withdraw_public(video.id, keep=named)
    except StoreError as exc:
        log.warning("new media of video %s did not join its public copy: %s", video.id, exc)


def sync_all() -> int:
    """Bring every video's store visibility in line with its stories (scheduled stories going live,
    earlier failures); returns how many videos changed."""
    session = db.session()
    candidates = session.scalars(select(Video).where(or_(
        Video.media_public.is_(True), Video.id.in_(select(Story.video_id).where(Story.status == "published")))))
    changed = 0
    for video in list(candidates):
        if video.media_public == should_be_public(video):
            continue
        try:
            if video.media_public:
                storage.media_store().set_public(video.id, False)
            else:
                _publish(video)
        except StoreError as exc:
            log.warning("media visibility of video %s not synced: %s", video.id, exc)
            continue
        video.media_public = not video.media_public
        outbox.declare(session, outbox.ContentChanged())
        session.commit()
        changed += 1
    return changed
