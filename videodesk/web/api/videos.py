"""Videos: create (multipart, tus upload id or URL), read, caption, poster, social cut, delete."""
from flask import g, request, url_for

from videodesk.core import db, storage
from videodesk.core.errors import Conflict, Invalid
from videodesk.core.validation import choice_field, language_tag, text_field
from videodesk.ingest import intake
from videodesk.jobs.queue import queue
from videodesk.media.captions import cues_of
from videodesk.media.social import ASPECTS
from videodesk.newsroom import library, watch_counts
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import video_json
from videodesk.web.requests import CAPTIONS, DEFAULT, UPLOAD, body_limit, json_body
from videodesk.web.views import caption_json


def _accepted(video, status=202, **extra):
    return {"id": video.id, "status": video.status, "url": url_for("api.get_video", video_id=video.id), **extra}, status


def _queued(result: intake.Intake, **extra):
    """Hand a new video to the queue and answer 202 (200 with the existing video for a reused duplicate)."""
    if result.reused:
        return _accepted(result.video, status=200, duplicate=True)
    queue().process_video(result.video.id)
    return _accepted(result.video, duplicate_of=result.duplicate_of.id if result.duplicate_of else None, **extra)


def _create_from_json(data: dict):
    title = text_field(data, "title", max_length=300)
    if "source_url" in data:
        return intake.from_url(g.user, text_field(data, "source_url", required=True, max_length=2000), title)
    if "upload_id" in data:
        upload_id = text_field(data, "upload_id", required=True, max_length=64)
        return intake.from_resumable(g.user, upload_id, title, allow_duplicate=bool(data.get("allow_duplicate")))
    raise Invalid(code="missing_field", message="Send 'source_url' or 'upload_id', or a multipart form with a 'file'.")


@bp.post("/videos")
@body_limit(DEFAULT, multipart=UPLOAD)
@require_role("producer")
def create_video():
    if request.mimetype == "application/json":
        return _queued(_create_from_json(json_body()))
    captions = request.files.get("captions")
    captions_bytes = captions.read() if captions is not None and captions.filename else None
    return _queued(intake.from_multipart(g.user, request.files.get("file"), request.form.get("title") or "",
                                         captions_bytes, request.form.get("captions_lang")))


@bp.get("/videos/<video_id>")
@require_role("producer")
def get_video(video_id):
    video = library.video_for(g.user, video_id)
    return {**video_json(video), "watch": watch_counts.totals([video.id]).get(video.id, {})}


@bp.post("/videos/<video_id>/captions")
@body_limit(CAPTIONS)
@require_role("producer")
def add_captions(video_id):
    video = library.video_for(g.user, video_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(code="missing_file", message="Send the caption file (SRT or WebVTT) as the multipart field 'file'.")
    label = (request.form.get("label") or "").strip()[:100] or None
    text = intake.read_captions(upload.read())
    track = library.add_captions(video, text, language_tag(request.form.get("lang")), label, user=g.user)
    return caption_json(track), 201


@bp.post("/videos/<video_id>/poster")
@require_role("producer")
def choose_poster(video_id):
    """Editors override the automatic poster by timestamp; no re-transcoding happens."""
    video = library.video_for(g.user, video_id)
    library.require_ready(video, "The poster can be chosen")
    time_s = json_body().get("time")
    if isinstance(time_s, bool) or not isinstance(time_s, (int, float)) or not 0 <= time_s <= (video.duration or 0):
        raise Invalid(f"'time' must be a number of seconds between 0 and {video.duration}.")
    queue().render_poster(video.id, float(time_s))
    db.session().refresh(video)  # an immediate-mode queue (tests) has already run the job
    return video_json(video), 202


@bp.get("/videos/<video_id>/captions")
@require_role("producer")
def list_captions(video_id):
    video = library.video_for(g.user, video_id)
    tracks = []
    for track in video.captions:
        data = caption_json(track)
        if request.args.get("cues"):
            data["cues"] = cues_of((storage.media_dir(video.id) / track.filename).read_text(encoding="utf-8"))
        tracks.append(data)
    return {"captions": tracks}


@bp.put("/videos/<video_id>/captions/<lang>")
@body_limit(CAPTIONS)
@require_role("producer")
def edit_captions(video_id, lang):
    """A new version of a language's track, as WebVTT text or {"cues": [...]}; earlier versions are kept."""
    video = library.video_for(g.user, video_id)
    lang = language_tag(lang)
    if request.mimetype == "application/json":
        text = intake.read_cues(json_body().get("cues"))
    else:
        text = intake.read_captions(request.get_data(cache=False))
    track, created = library.save_captions(video, text, lang, user=g.user)
    return caption_json(track), 201 if created else 200


@bp.post("/videos/<video_id>/social-cut")
@require_role("producer")
def request_social_cut(video_id):
    """A square or vertical MP4 with the captions burned in, made in the queue."""
    video = library.video_for(g.user, video_id)
    library.require_ready(video, "Social cuts can be made")
    data = json_body()
    aspect = choice_field(data, "aspect", ASPECTS)
    lang = language_tag(data.get("lang"), default=None)
    queue().social_cut(video.id, aspect, lang)
    return {"aspect": aspect, "status": "queued", "video": url_for("api.get_video", video_id=video.id)}, 202


@bp.post("/videos/<video_id>/captions/auto")
@require_role("producer")
def rerun_transcription(video_id):
    """Run automatic transcription again (after an engine or model change, say)."""
    video = library.video_for(g.user, video_id)
    library.require_ready(video, "Automatic captions can be made")
    if not (video.pipeline_state or {}).get("info", {}).get("audio"):
        raise Conflict(code="no_audio", message="The video has no sound to transcribe.")
    queue().transcribe(video.id)
    return {"status": "queued", "video": url_for("api.get_video", video_id=video.id)}, 202


@bp.delete("/videos/<video_id>")
@require_role("producer")
def delete_video(video_id):
    video = library.video_for(g.user, video_id)
    stories = library.delete_video(video, g.user)
    return {"deleted": video_id, "stories_without_video": stories}


@bp.post("/videos/<video_id>/reprocess")
@require_role("producer")
def reprocess(video_id):
    """Run the whole pipeline again from the original (after a failure or a pipeline upgrade)."""
    video = library.video_for(g.user, video_id)
    queue().reprocess(video)
    return _accepted(video)
