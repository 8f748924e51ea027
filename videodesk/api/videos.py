"""Videos: upload (multipart), read status and outputs, add caption tracks."""
from flask import request, url_for

from .. import analytics, db, storage
from ..auth import can_manage_video, current_user, require_role
from ..errors import ApiError
from ..media.captions import to_webvtt
from ..media.runner import MediaError
from ..library import add_caption_track, new_video
from ..models import Video
from ..presenters import caption_json, video_json
from ..tasks import queue
from ..uploads import keep_upload
from . import bp
from .validation import json_body


def _language(value: str | None) -> str:
    lang = (value or "en").strip()
    if not lang or len(lang) > 35 or not all(part.isalnum() for part in lang.split("-")):
        raise ApiError(400, "invalid_field", "'lang' must be a BCP 47 language tag such as 'en' or 'pt-BR'.")
    return lang


def _load_video(video_id: str) -> Video:
    video = db.session().get(Video, video_id)
    if video is None or not can_manage_video(current_user(), video):
        raise ApiError(404, "not_found", "No such video.")
    return video


def _read_captions(upload) -> str:
    try:
        return to_webvtt(upload.read())
    except MediaError as exc:
        raise ApiError(400, "invalid_captions", str(exc)) from None


@bp.post("/videos")
@require_role("producer")
def create_video():
    if request.mimetype == "application/json":
        data = json_body()
        if "source_url" in data or "upload_id" in data:
            raise ApiError(501, "not_implemented", "Import by URL and resumable uploads are not available yet.")
        raise ApiError(400, "missing_field", "Send a multipart form with a 'file' field.")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "missing_file", "Send the video as the multipart field 'file'.")
    captions = request.files.get("captions")
    captions_text = _read_captions(captions) if captions is not None and captions.filename else None
    captions_lang = _language(request.form.get("captions_lang"))
    title = (request.form.get("title") or upload.filename).strip()[:300]
    session = db.session()
    video = new_video(current_user().id, title, upload.filename)
    size = keep_upload(upload, storage.source_path(video.id))
    if size == 0:
        session.rollback()
        storage.remove_tree(storage.upload_dir(video.id))
        raise ApiError(400, "empty_file", "The uploaded file is empty.")
    video.source_size = size
    if captions_text is not None:
        add_caption_track(video, captions_text, captions_lang, None)
    session.commit()
    queue().process_video(video.id)
    return {"id": video.id, "status": video.status, "url": url_for("api.get_video", video_id=video.id)}, 202


@bp.get("/videos/<video_id>")
@require_role("producer")
def get_video(video_id):
    video = _load_video(video_id)
    return {**video_json(video), "watch": analytics.totals([video.id]).get(video.id, {})}


@bp.post("/videos/<video_id>/captions")
@require_role("producer")
def add_captions(video_id):
    video = _load_video(video_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "missing_file", "Send the caption file (SRT or WebVTT) as the multipart field 'file'.")
    label = (request.form.get("label") or "").strip()[:100] or None
    track = add_caption_track(video, _read_captions(upload), _language(request.form.get("lang")), label)
    db.session().commit()
    return caption_json(track), 201


@bp.post("/videos/<video_id>/poster")
@require_role("producer")
def choose_poster(video_id):
    """Editors override the automatic poster by timestamp; no re-transcoding happens."""
    video = _load_video(video_id)
    if video.status != "ready":
        raise ApiError(409, "not_ready", "The poster can be chosen once the video is ready.")
    time_s = json_body().get("time")
    if isinstance(time_s, bool) or not isinstance(time_s, (int, float)) or not 0 <= time_s <= (video.duration or 0):
        raise ApiError(400, "invalid_field", f"'time' must be a number of seconds between 0 and {video.duration}.")
    queue().render_poster(video.id, float(time_s))
    db.session().refresh(video)
    return video_json(video), 202
