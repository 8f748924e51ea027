"""Serving media: nothing outside a video's files, and private media (no live story uses the
video, or a file the video no longer names: newsroom/visibility.public_files) only to its
managers (studio session, Bearer token) or through a signed URL.

Signed URLs carry their token in the path, `/media/s/<token>/<video_id>/<name>`
(objectstore/signing.py), so HLS segments and init files that a player resolves relative to a
playlist carry it too; they need no cookie, so a preview plays in any browser.

Where the bytes come from depends on the media store:
* local folder: the app sends the file itself, with Range support (as always);
* S3: published media is a `302` to the public copy (the CDN's URL when configured, else a
  presigned URL of the public object), cacheable for MEDIA_MAX_AGE_S, while the presigned URL
  lives twice as long. Private media is a short private redirect to a presigned URL of the
  private object, except playlists: the app streams those (they are small) so that the player
  keeps resolving segments against the app's signed path; redirected, it would resolve them
  against the bucket URL and lose the signature.
"""
import mimetypes
import time

from flask import Blueprint, Response, abort, redirect, request, send_file

from videodesk.auth.access import can_manage_video
from videodesk.core import db, storage
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import LiveStream, Video
from videodesk.core.settings import current_settings
from videodesk.newsroom import visibility
from videodesk.objectstore import StoreError, signing
from videodesk.web.access import current_user

bp = Blueprint("media", __name__, url_prefix="/media")

for _type, _ext in (("text/vtt", ".vtt"), ("application/vnd.apple.mpegurl", ".m3u8"),
                    ("video/iso.segment", ".m4s"), ("image/webp", ".webp"), ("video/mp4", ".mp4")):
    mimetypes.add_type(_type, _ext)


PROCESSING_PLAYLIST_MAX_AGE = 5
INLINE_TYPES = {"video/mp4", "video/iso.segment", "application/vnd.apple.mpegurl", "image/jpeg", "image/webp",
                "text/vtt"}
# A private redirect names a presigned URL good for this long, and may be reused for half of it.
PRIVATE_PRESIGN_S = 600


def _video(video_id: str, name: str) -> Video:
    if not storage.safe_media_name(video_id, name):
        abort(404)
    video = db.session().get(Video, video_id)
    if video is None:
        abort(404)
    return video


@bp.get("/<video_id>/<path:name>")
def file(video_id, name):
    video = _video(video_id, name)
    # Readers get only the files a published video names now; earlier versions stay its managers'.
    public = video.is_public and name in visibility.public_files(video)
    if not public and not can_manage_video(current_user(), video):
        abort(404)
    return _serve(video, name, public)


@bp.get("/s/<token>/<video_id>/<path:name>")
def signed_file(token, video_id, name):
    if not signing.verify(current_settings().secret_key, video_id, token, time.time()):
        abort(404)
    return _serve(_video(video_id, name), name, public=False)


# A live playlist grows every segment (2 s); readers and CDNs may keep it only this long.
LIVE_PLAYLIST_MAX_AGE = 1


@bp.get("/live/<live_id>/<path:name>")
def live_file(live_id, name):
    """A live stream's HLS, from the media store (written there by the ingest service, so any web
    node serves any stream): public while a published story plays it, else for its managers."""
    if not storage.safe_media_name(live_id, name):
        abort(404)
    stream = db.session().get(LiveStream, live_id)
    if stream is None:
        abort(404)
    public = stream.is_public
    if not public and not can_manage_video(current_user(), stream):
        abort(404)
    store, key = storage.media_store(), storage.live_key(stream.id, name)
    playlist = name.endswith((".m3u8", ".vtt"))
    max_age = LIVE_PLAYLIST_MAX_AGE if playlist else current_settings().media_max_age_s
    try:
        if store.local_root() is not None or playlist:
            data = store.read_bytes(key)
            response = Response(data, mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream")
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Access-Control-Allow-Origin"] = "*"
            return _cache(response.make_conditional(request), public, max_age if public else 0)
        return _cache(redirect(store.signed_url(key, expires_s=PRIVATE_PRESIGN_S), 302), False, PRIVATE_PRESIGN_S // 2)
    except (FileNotFoundError, ValueError):
        abort(404)
    except StoreError:
        abort(503)


def _cache(response, public: bool, max_age: int):
    response.cache_control.max_age = max_age
    response.cache_control.public = public
    response.cache_control.private = not public
    return response


def _public_max_age(video: Video, name: str) -> int:
    """A playlist of a video still processing is replaced when the full ladder is done."""
    if video.status != VideoStatus.READY and name.endswith(".m3u8"):
        return PROCESSING_PLAYLIST_MAX_AGE
    return current_settings().media_max_age_s


def _serve(video: Video, name: str, public: bool):
    store = storage.media_store()
    key = storage.media_key(video.id, name)
    if store.local_root() is not None:
        return _send_local(store, key, video, public)
    try:
        if public and video.media_public:
            max_age = current_settings().media_max_age_s
            return _cache(redirect(store.public_url(key, expires_s=2 * max_age), 302), True,
                          _public_max_age(video, name))
        if name.endswith(".m3u8"):
            playlist = Response(store.read_bytes(key), mimetype="application/vnd.apple.mpegurl")
            return _cache(playlist, False, 0)
        return _cache(redirect(store.signed_url(key, expires_s=PRIVATE_PRESIGN_S), 302), False, PRIVATE_PRESIGN_S // 2)
    except FileNotFoundError:
        abort(404)
    except StoreError:
        abort(503)


def _send_local(store, key: str, video: Video, public: bool):
    try:
        path = store.local_path(key)
    except ValueError:
        path = None
    if path is None:
        abort(404)
    inline = (mimetypes.guess_type(path.name)[0] or "") in INLINE_TYPES
    # Anything that is not one of our media types (HTML, scripts, executables) is only ever downloaded.
    response = send_file(path, conditional=True, etag=True, as_attachment=not inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    _cache(response, public, _public_max_age(video, key) if public else 0)
    if path.suffix == ".vtt":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
