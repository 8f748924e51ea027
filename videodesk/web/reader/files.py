"""Serving media: Range requests, right content types, nothing outside the media folder,
and private media (no published story uses the video) only to signed-in users."""
import mimetypes

from flask import Blueprint, abort, send_file

from videodesk.auth.access import can_manage_video
from videodesk.core import db, storage
from videodesk.core.models import Video
from videodesk.web.access import current_user

bp = Blueprint("media", __name__, url_prefix="/media")

for _type, _ext in (("text/vtt", ".vtt"), ("application/vnd.apple.mpegurl", ".m3u8"),
                    ("video/iso.segment", ".m4s"), ("image/webp", ".webp"), ("video/mp4", ".mp4")):
    mimetypes.add_type(_type, _ext)


PROCESSING_PLAYLIST_MAX_AGE = 5
INLINE_TYPES = {"video/mp4", "video/iso.segment", "application/vnd.apple.mpegurl", "image/jpeg", "image/webp",
                "text/vtt"}


@bp.get("/<video_id>/<path:name>")
def file(video_id, name):
    path = storage.resolve_media_file(video_id, name)
    video = db.session().get(Video, video_id) if path else None
    if video is None:
        abort(404)
    public = video.is_public
    if not public and not can_manage_video(current_user(), video):
        abort(404)
    inline = (mimetypes.guess_type(path.name)[0] or "") in INLINE_TYPES
    # Anything that is not one of our media types (HTML, scripts, executables) is only ever downloaded.
    response = send_file(path, conditional=True, etag=True, as_attachment=not inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A playlist of a video still processing is replaced when the full ladder is done.
    settled = video.status == "ready" or path.suffix != ".m3u8"
    response.cache_control.max_age = (3600 if settled else PROCESSING_PLAYLIST_MAX_AGE) if public else 0
    response.cache_control.public = public
    response.cache_control.private = not public
    if path.suffix == ".vtt":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
