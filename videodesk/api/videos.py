"""Videos: upload (multipart), read status and outputs, add caption tracks."""
import contextlib
from datetime import timedelta

from flask import current_app, request, url_for
from sqlalchemy import func, select

from .. import analytics, caching, db, netguard, resumable, storage
from ..auth import can_manage_video, current_user, require_role
from ..errors import ApiError
from ..media.captions import cues_of, from_cues, to_webvtt
from ..media.social import ASPECTS
from ..media.runner import MediaError
from .. import jobs, library
from ..library import add_caption_track, new_video, write_caption_file
from ..models import Video, utcnow
from ..presenters import caption_json, video_json
from ..tasks import queue
from ..uploads import keep_upload
from . import bp
from ..validation import choice_field, json_body, language_tag, text_field


def _load_video(video_id: str) -> Video:
    video = db.session().get(Video, video_id)
    if video is None or not can_manage_video(current_user(), video):
        raise ApiError(404, "not_found", "No such video.")
    return video


def _load_ready_video(video_id: str, what: str) -> Video:
    video = _load_video(video_id)
    if video.status != "ready":
        raise ApiError(409, "not_ready", f"{what} once the video is ready.")
    return video


@contextlib.contextmanager
def _caption_errors_as_400():
    try:
        yield
    except MediaError as exc:
        raise ApiError(400, "invalid_captions", str(exc)) from None


def _read_captions(upload) -> str:
    with _caption_errors_as_400():
        return to_webvtt(upload.read())


def _accepted(video: Video, status=202, **extra):
    return {"id": video.id, "status": video.status, "url": url_for("api.get_video", video_id=video.id), **extra}, status


def _duplicate_of(sha256: str, exclude: str | None = None) -> Video | None:
    """A video that is not failed and has a byte-identical source."""
    query = select(Video).where(Video.source_sha256 == sha256, Video.status != "failed", Video.id != (exclude or ""))
    return db.session().scalars(query.order_by(Video.created_at)).first()


def _import_url(data: dict):
    url = text_field(data, "source_url", required=True, max_length=2000)
    config = current_app.config
    reason = netguard.check_url(url, allow_private=config["IMPORT_ALLOW_PRIVATE"])
    if reason:
        raise ApiError(400, "url_not_allowed", reason)
    user = current_user()
    hour_ago = utcnow() - timedelta(hours=1)
    recent = db.session().scalar(select(func.count()).select_from(Video).where(
        Video.owner_id == user.id, Video.source_kind == "url", Video.created_at > hour_ago))
    if recent >= config["IMPORT_RATE_PER_HOUR"]:
        raise ApiError(429, "rate_limited", f"At most {config['IMPORT_RATE_PER_HOUR']} imports an hour; try again later.")
    video = new_video(user.id, text_field(data, "title", max_length=300) or url, url, kind="url")
    video.source_url = url
    db.session().commit()
    queue().process_video(video.id)
    return _accepted(video)


def _finish_resumable(data: dict):
    upload_id = text_field(data, "upload_id", required=True, max_length=64)
    record = resumable.load(upload_id)
    if record["offset"] != record["length"]:
        raise ApiError(409, "incomplete_upload",
                       f"The upload has {record['offset']} of {record['length']} bytes; finish it first.")
    existing = _duplicate_of(record["sha256"])
    if existing is not None and not data.get("allow_duplicate"):
        resumable.remove(upload_id)
        return _accepted(existing, status=200, duplicate=True)
    name = record["metadata"].get("filename") or "upload"
    title = text_field(data, "title", max_length=300) or record["metadata"].get("title") or name
    video = new_video(current_user().id, title, name)
    resumable.take(upload_id, storage.source_path(video.id))
    video.source_size, video.source_sha256 = record["length"], record["sha256"]
    db.session().commit()
    queue().process_video(video.id)
    return _accepted(video, duplicate_of=existing.id if existing else None)


@bp.post("/videos")
@require_role("producer")
def create_video():
    if request.mimetype == "application/json":
        data = json_body()
        if "source_url" in data:
            return _import_url(data)
        if "upload_id" in data:
            return _finish_resumable(data)
        raise ApiError(400, "missing_field", "Send 'source_url' or 'upload_id', or a multipart form with a 'file'.")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "missing_file", "Send the video as the multipart field 'file'.")
    captions = request.files.get("captions")
    captions_text = _read_captions(captions) if captions is not None and captions.filename else None
    captions_lang = language_tag(request.form.get("captions_lang"))
    title = (request.form.get("title") or upload.filename).strip()[:300]
    session = db.session()
    video = new_video(current_user().id, title, upload.filename)
    size = keep_upload(upload, storage.source_path(video.id))
    if size == 0:
        session.rollback()
        storage.remove_tree(storage.upload_dir(video.id))
        raise ApiError(400, "empty_file", "The uploaded file is empty.")
    video.source_size, video.source_sha256 = size, resumable.sha256_of(storage.source_path(video.id))
    if captions_text is not None:
        add_caption_track(video, captions_text, captions_lang, None)
    session.commit()
    queue().process_video(video.id)
    existing = _duplicate_of(video.source_sha256, exclude=video.id)
    return _accepted(video, duplicate_of=existing.id if existing else None)


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
    track = add_caption_track(video, _read_captions(upload), language_tag(request.form.get("lang")), label)
    db.session().commit()
    return caption_json(track), 201


@bp.post("/videos/<video_id>/poster")
@require_role("producer")
def choose_poster(video_id):
    """Editors override the automatic poster by timestamp; no re-transcoding happens."""
    video = _load_ready_video(video_id, "The poster can be chosen")
    time_s = json_body().get("time")
    if isinstance(time_s, bool) or not isinstance(time_s, (int, float)) or not 0 <= time_s <= (video.duration or 0):
        raise ApiError(400, "invalid_field", f"'time' must be a number of seconds between 0 and {video.duration}.")
    queue().render_poster(video.id, float(time_s))
    db.session().refresh(video)
    return video_json(video), 202


@bp.get("/videos/<video_id>/captions")
@require_role("producer")
def list_captions(video_id):
    video = _load_video(video_id)
    tracks = []
    for track in video.captions:
        data = caption_json(track)
        if request.args.get("cues"):
            data["cues"] = cues_of((storage.media_dir(video.id) / track.filename).read_text(encoding="utf-8"))
        tracks.append(data)
    return {"captions": tracks}


@bp.put("/videos/<video_id>/captions/<lang>")
@require_role("producer")
def edit_captions(video_id, lang):
    """A new version of a language's track, as WebVTT text or {"cues": [...]}; earlier versions are kept."""
    video = _load_video(video_id)
    lang = language_tag(lang)
    with _caption_errors_as_400():
        if request.mimetype == "application/json":
            text = from_cues(json_body().get("cues"))
        else:
            text = to_webvtt(request.get_data(cache=False))
    track = next((t for t in video.captions if t.lang == lang), None)
    if track is None:
        track = add_caption_track(video, text, lang)
        status = 201
    else:
        track.replace_file(write_caption_file(video, text, lang))
        status = 200
    db.session().commit()
    caching.clear()
    return caption_json(track), status


@bp.post("/videos/<video_id>/social-cut")
@require_role("producer")
def request_social_cut(video_id):
    """A square or vertical MP4 with the captions burned in, made in the queue."""
    video = _load_ready_video(video_id, "Social cuts can be made")
    data = json_body()
    aspect = choice_field(data, "aspect", ASPECTS)
    lang = language_tag(data.get("lang"), default=None)
    queue().social_cut(video.id, aspect, lang)
    return {"aspect": aspect, "status": "queued", "video": url_for("api.get_video", video_id=video.id)}, 202


@bp.post("/videos/<video_id>/captions/auto")
@require_role("producer")
def rerun_transcription(video_id):
    """Run automatic transcription again (after an engine or model change, say)."""
    video = _load_ready_video(video_id, "Automatic captions can be made")
    if not (video.pipeline_state or {}).get("info", {}).get("audio"):
        raise ApiError(409, "no_audio", "The video has no sound to transcribe.")
    queue().transcribe(video.id)
    return {"status": "queued", "video": url_for("api.get_video", video_id=video.id)}, 202


@bp.delete("/videos/<video_id>")
@require_role("producer")
def delete_video(video_id):
    video = _load_video(video_id)
    stories = library.delete_video(video, current_user())
    return {"deleted": video_id, "stories_without_video": stories}


@bp.post("/videos/<video_id>/reprocess")
@require_role("producer")
def reprocess(video_id):
    """Run the whole pipeline again from the original (after a failure or a pipeline upgrade)."""
    video = _load_video(video_id)
    if video.status in ("queued", "processing"):
        raise ApiError(409, "busy", "The video is already waiting or being processed.")
    jobs.reset_for_reprocessing(video)
    db.session().commit()
    queue().process_video(video.id)
    return _accepted(video)
