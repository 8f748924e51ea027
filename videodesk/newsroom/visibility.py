"""Published media is readable without a signature; nothing else is.

A video's objects are public in the media store (``store.set_public``) while a live story uses the
video and it has outputs; `Video.media_public` records what the store holds, so pages point
readers (or a CDN) at the public copy only once it exists, and at the app before that.

Withdrawing comes first: a story change that leaves a video private withdraws its objects before
the change is committed, and fails (503) if the store cannot, so an unpublished video's objects
are never left readable. Publishing comes after the commit (the outbox's MediaUsed, handled by
`publish_when_used`) and may fail quietly: readers are then served through the app until
`sync_all` (a periodic job, and after scheduled stories go live) catches up. New objects of a
published video (MediaStored: a caption version, a poster, a new ladder) join its public copy one
by one (`join_public_copy`), never by copying the whole video again. A CDN keeps its copies until
they expire or are purged (docs/MANY_MACHINES.md).
"""
import logging

from sqlalchemy import or_, select

from videodesk.core import db, outbox, storage
from videodesk.core.errors import Unavailable
from videodesk.core.models import Story, Video
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)


def should_be_public(video: Video) -> bool:
    return video.is_public and bool(video.outputs.names())


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
                storage.media_store().set_public(video.id, True)
            except StoreError as exc:
                log.warning("publishing media of video %s failed, will retry: %s", video.id, exc)
                continue
            video.media_public = published = True
    if published:
        outbox.declare(db.session(), outbox.ContentChanged())  # pages may now point at the public copy
        db.session().commit()


def join_public_copy(effect: outbox.MediaStored):
    """New objects of a published video join its public copy: only these (a folder as a whole)."""
    video = db.session().get(Video, effect.video_id)
    if video is None or not video.media_public:
        return
    store = storage.media_store()
    try:
        for name in effect.names:
            folder = name.endswith("/")
            store.join_public(storage.media_key(video.id, name.rstrip("/")) + ("/" if folder else ""))
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
            storage.media_store().set_public(video.id, not video.media_public)
        except StoreError as exc:
            log.warning("media visibility of video %s not synced: %s", video.id, exc)
            continue
        video.media_public = not video.media_public
        outbox.declare(session, outbox.ContentChanged())
        session.commit()
        changed += 1
    return changed
