"""One way in: a multipart upload, a finished tus upload or a URL becomes a queued Video row.

Each function checks its input, stores the original where the pipeline expects it and returns
an `Intake`; the caller commits nothing more and hands `video.id` to the queue."""
import contextlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from videodesk.core import db, links, storage
from videodesk.core.digests import sha256_of
from videodesk.core.errors import Invalid, RateLimited, TooLarge
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import AuditEvent, Video, utcnow
from videodesk.core.settings import current_settings
from videodesk.core.validation import language_tag
from videodesk.ingest import netguard, resumable
from videodesk.ingest.multipart import keep_upload
from videodesk.media.captions import from_cues, to_webvtt
from videodesk.media.runner import MediaError
from videodesk.newsroom import audit, usage
from videodesk.newsroom.library import add_caption_track, keep_original, new_video

IMPORT_ACTION = "video_import"


@dataclass
class Intake:
    video: Video
    duplicate_of: Video | None = None  # a visible video with the same bytes
    reused: bool = False  # the duplicate itself is returned, no new video was made


@contextlib.contextmanager
def _caption_rules():
    try:
        yield
    except MediaError as exc:
        raise Invalid(code="invalid_captions", message=str(exc)) from None


def read_captions(data: bytes) -> str:
    """SRT or WebVTT bytes as clean WebVTT; a bad file is Invalid with the reason and line."""
    with _caption_rules():
        return to_webvtt(data)


def read_cues(cues) -> str:
    """Edited cues ([{"start", "end", "text"}]) as WebVTT; Invalid names the bad cue."""
    with _caption_rules():
        return from_cues(cues)


def duplicate_of(sha256: str, user, exclude: str | None = None) -> Video | None:
    """A video the user may see (their own; everything for editors) with byte-identical source."""
    query = select(Video).where(Video.source_sha256 == sha256, Video.status != VideoStatus.FAILED, Video.id != (exclude or ""))
    if not user.has_role("editor"):
        query = query.where(Video.owner_id == user.id)
    return db.session().scalars(query.order_by(Video.created_at)).first()


def from_multipart(user, upload, title: str, captions: bytes | None, captions_lang) -> Intake:
    if upload is None or not upload.filename:
        raise Invalid(code="missing_file", message="Send the video as the multipart field 'file'.")
    captions_text = read_captions(captions) if captions is not None else None
    lang = language_tag(captions_lang)
    session = db.session()
    video = new_video(user.id, (title or upload.filename).strip()[:300], upload.filename)
    size = keep_upload(upload, storage.source_path(video.id))
    try:
        if size == 0:
            raise Invalid(code="empty_file", message="The uploaded file is empty.")
        usage.require_room(user, size)
    except (Invalid, TooLarge):
        session.rollback()
        storage.remove_tree(storage.upload_dir(video.id))
        raise
    video.source_size, video.source_sha256 = size, sha256_of(storage.source_path(video.id))
    keep_original(video.id)
    if captions_text is not None:
        add_caption_track(video, captions_text, lang, None)
    session.commit()
    return Intake(video, duplicate_of(video.source_sha256, user, exclude=video.id))


def from_resumable(user, upload_id: str, title: str | None, allow_duplicate: bool = False) -> Intake:
    record = resumable.load(upload_id, user)
    resumable.require_complete(record)
    existing = duplicate_of(record["sha256"], user)
    if existing is not None and not allow_duplicate:
        resumable.remove(upload_id)
        return Intake(existing, existing, reused=True)
    usage.require_room(user, record["length"])
    name = record["metadata"].get("filename") or "upload"
    video = new_video(user.id, title or record["metadata"].get("title") or name, name)
    resumable.take(upload_id, user, storage.source_path(video.id))
    video.source_size, video.source_sha256 = record["length"], record["sha256"]
    keep_original(video.id)
    db.session().commit()
    return Intake(video, existing)


def from_url(user, url: str, title: str | None, credit_url: str | None = None) -> Intake:
    """An import by URL: checked against the address policy now, downloaded by the worker.

    A URL with a user name or password is refused (like a webhook's): it would be stored and
    shown. `credit_url` is the link readers see under the video, as the producer gives it.

    The hourly limit counts "video_import" entries of the audit log, which deleting a video does not
    touch, so import, delete, import again still counts twice."""
    settings = current_settings()
    reason = netguard.check_url(url, allow_private=settings.import_allow_private)
    if reason:
        raise Invalid(code="url_not_allowed", message=reason)
    if links.has_credentials(url):
        raise Invalid(code="url_not_allowed", message="The address must not contain a user name or password; "
                                                      "import from an address that needs none.")
    if credit_url is not None:
        if links.public_link(credit_url) is None or links.has_credentials(credit_url):
            raise Invalid("'credit_url' must be an http:// or https:// link without a user name or password.")
        credit_url = links.public_link(credit_url, keep_query=True)
    hour_ago = utcnow() - timedelta(hours=1)
    recent = db.session().scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.action == IMPORT_ACTION, AuditEvent.at > hour_ago))
    if recent >= settings.import_rate_per_hour:
        raise RateLimited(f"At most {settings.import_rate_per_hour} imports an hour; try again later.")
    usage.require_room(user)  # its size is known only once downloaded (at most the upload limit)
    video = new_video(user.id, title or url, url, kind="url")
    video.source_url, video.credit_url = url, credit_url
    audit.record(user, IMPORT_ACTION, f"video:{video.id}", url=url)
    db.session().commit()
    return Intake(video)
