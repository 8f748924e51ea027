"""Videos: create (multipart, tus upload id or URL), read, caption, poster, social cut, delete."""
from flask import g, request, url_for

from videodesk.core import db
from videodesk.core.errors import Conflict, Invalid
from videodesk.core.lifecycle import video as lifecycle
from videodesk.core.lifecycle.states import CaptioningStatus, EditJob
from videodesk.core.validation import LANGUAGE_TAG, choice_field, language_tag, text_field
from videodesk.ingest import intake
from videodesk.jobs.queue import queue
from videodesk.media.captions import cues_of
from videodesk.media.social import ASPECTS
from videodesk.newsroom import branding, library, watch_counts
from videodesk.web.access import limited_work, require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import CAPTION_TRACK, STRING, VIDEO, VIDEO_STATUS, video_json
from videodesk.web.openapi import Reply, component, link, operation, query
from videodesk.web.requests import CAPTIONS, DEFAULT, UPLOAD, body_limit, json_body
from videodesk.web.views import caption_json

FILE = {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}
CAPTIONS_FILE = {"type": "string", "format": "binary", "contentMediaType": "text/vtt", "description": "SRT or WebVTT"}
TITLE = {"type": "string", "maxLength": 300, "description": "Defaults to the file name or URL."}
LANG = {"type": "string", "description": "BCP 47 tag", "pattern": f"^{LANGUAGE_TAG.pattern}$", "default": "en", "examples": ["en", "pt-BR"]}
# The next steps a client can take with a new video's id (Schemathesis follows them too).
VIDEO_LINKS = {name: link(f"api_{name}", video_id="$response.body#/id") for name in (
    "get_video", "add_captions", "list_captions", "edit_captions", "choose_poster", "request_social_cut",
    "rerun_transcription", "reprocess", "video_analytics", "delete_video")}
ACCEPTED = component("VideoAccepted", {
    "type": "object", "required": ["id", "status", "url"], "additionalProperties": False,
    "properties": {"id": STRING, "status": VIDEO_STATUS,
                   "url": {"type": "string", "description": "Poll it for the video."},
                   "duplicate_of": {"type": ["string", "null"], "description": "A byte-identical video you can see."},
                   "duplicate": {"type": "boolean", "description": "The existing video is answered; no new one was made."}},
    "examples": [{"id": "k2v7q9x1", "status": "queued", "url": "/api/videos/k2v7q9x1", "duplicate_of": None}]})
QUEUED = {"type": "object", "required": ["status", "video"], "additionalProperties": False,
          "properties": {"status": {"const": "queued"}, "video": {"type": "string", "description": "The video's API URL."}}}


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
        return intake.from_url(g.user, text_field(data, "source_url", required=True, max_length=2000), title,
                               text_field(data, "credit_url", max_length=2000) or None)
    if "upload_id" in data:
        upload_id = text_field(data, "upload_id", required=True, max_length=64)
        return intake.from_resumable(g.user, upload_id, title, allow_duplicate=bool(data.get("allow_duplicate")))
    raise Invalid(code="missing_field", message="Send 'source_url' or 'upload_id', or a multipart form with a 'file'.")


@bp.post("/videos")
@operation(
    "Add a video: upload a file, import a URL or finish a resumable upload", tags=["videos"],
    request={"multipart/form-data": {
        "type": "object", "required": ["file"],
        "properties": {"file": FILE, "captions": CAPTIONS_FILE, "captions_lang": LANG,
                       "title": TITLE}},
        "application/json": {"oneOf": [
            component("VideoImport", {"type": "object", "required": ["source_url"], "properties": {
                "source_url": {"type": "string", "maxLength": 2000, "description": "A page yt-dlp can download "
                               "(no user name or password: refused with url_not_allowed)."},
                "credit_url": {"type": ["string", "null"], "maxLength": 2000, "description": "The link readers "
                               "see under the video, published as given (a query string too). Unset: the source "
                               "page's address without its query string."},
                "title": TITLE}, "examples": [{"source_url": "https://www.example.org/watch?v=flood"}]}),
            component("VideoFromUpload", {"type": "object", "required": ["upload_id"], "properties": {
                "upload_id": {"type": "string", "maxLength": 64, "description": "The last segment of the tus Location."},
                "title": TITLE, "allow_duplicate": {"type": "boolean", "default": False}},
                "examples": [{"upload_id": "5f0c2d8e9a", "title": "Flood defences"}]})]}},
    responses={202: Reply("Queued for processing", ACCEPTED, links=VIDEO_LINKS),
               200: Reply("A byte-identical video already exists (finished resumable uploads only)", ACCEPTED,
                          links=VIDEO_LINKS)},
    errors=["missing_field", "invalid_field", "missing_file", "empty_file", "invalid_captions", "url_not_allowed",
            "invalid_input", "not_found", "expired", "incomplete_upload", "too_large", "quota_exceeded",
            "rate_limited", "insufficient_storage"])
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
@operation("A video: its processing state, media URLs and captions", tags=["videos"], responses={200: VIDEO})
@require_role("producer")
def get_video(video_id):
    video = library.video_for(g.user, video_id)
    return {**video_json(video), "watch": watch_counts.totals([video.id]).get(video.id, {})}


@bp.post("/videos/<video_id>/captions")
@operation("Add a caption track (SRT or WebVTT)", tags=["captions"],
           request={"multipart/form-data": {"type": "object", "required": ["file"], "properties": {
               "file": CAPTIONS_FILE, "lang": LANG, "label": {"type": "string", "maxLength": 100}}}},
           responses={201: CAPTION_TRACK}, errors=["missing_file", "invalid_captions", "invalid_field", "invalid_input"])
@body_limit(CAPTIONS)
@require_role("producer")
def add_captions(video_id):
    video = library.video_for(g.user, video_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(code="missing_file", message="Send the caption file (SRT or WebVTT) as the multipart field 'file'.")
    label = (request.form.get("label") or "").strip()[:100] or None
    text = intake.read_captions(upload.read())
    track = library.add_captions(video, text, language_tag(request.form.get("lang")), label)
    return caption_json(track), 201


@bp.post("/videos/<video_id>/poster")
@operation("Choose the poster frame", tags=["videos"],
           request={"type": "object", "required": ["time"], "properties": {
               "time": {"type": "number", "minimum": 0, "description": "Seconds into the clip."}},
               "examples": [{"time": 12.5}]},
           responses={202: VIDEO}, errors=["invalid_field", "not_ready"])
@require_role("producer")
def choose_poster(video_id):
    """Editors override the automatic poster by timestamp; no re-transcoding happens."""
    video = library.video_for(g.user, video_id)
    library.require_ready(video, "The poster can be chosen")
    time_s = json_body().get("time")
    if isinstance(time_s, bool) or not isinstance(time_s, (int, float)) or not 0 <= time_s <= (video.duration or 0):
        raise Invalid(f"'time' must be a number of seconds between 0 and {video.duration}.")
    lifecycle.start_edit(video, EditJob.POSTER, float(time_s))
    db.session().commit()
    db.session().refresh(video)  # an immediate-mode queue (tests) has already run the job
    return video_json(video), 202


@bp.get("/videos/<video_id>/captions")
@operation("A video's caption tracks", tags=["captions"],
           parameters=[query("cues", {"type": "string", "enum": ["1"]}, "Send 1 to include each track's cues.")],
           responses={200: {"type": "object", "required": ["captions"], "additionalProperties": False,
                            "properties": {"captions": {"type": "array", "items": CAPTION_TRACK}}}})
@require_role("producer")
def list_captions(video_id):
    video = library.video_for(g.user, video_id)
    tracks = []
    for track in video.captions:
        data = caption_json(track)
        if request.args.get("cues"):
            data["cues"] = cues_of(library.read_media_text(video, track.filename))
        tracks.append(data)
    return {"captions": tracks}


@bp.put("/videos/<video_id>/captions/<lang>")
@operation("Save a new version of a language's captions", tags=["captions"],
           request={"application/json": {"type": "object", "required": ["cues"], "properties": {"cues": {
               "type": "array", "minItems": 1, "items": {"type": "object", "required": ["start", "end", "text"],
                                                         "properties": {"start": {"type": "number", "minimum": 0},
                                                                        "end": {"type": "number"},
                                                                        "text": {"type": "string", "maxLength": 500}}}}},
               "examples": [{"cues": [{"start": 0.5, "end": 3.0, "text": "Welcome to videodesk."}]}]},
               "text/vtt": {"type": "string", "examples": ["WEBVTT\n\n00:00.500 --> 00:03.000\nWelcome.\n"]},
               "application/x-subrip": {"type": "string"}},
           responses={200: Reply("A new version of the track", CAPTION_TRACK),
                      201: Reply("A new track for this language", CAPTION_TRACK)},
           errors=["invalid_captions", "invalid_field", "invalid_input"])
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
@operation("Make a square or vertical cut with burned-in captions", tags=["videos"],
           request={"type": "object", "required": ["aspect"], "properties": {
               "aspect": {"type": "string", "enum": list(ASPECTS)}, "lang": {**LANG, "default": None},
               "logo": {"type": "boolean", "default": False, "description": "Burn in the station logo (Studio → Branding)."}},
               "examples": [{"aspect": "9:16", "lang": "en"}, {"aspect": "1:1", "logo": True}]},
           responses={202: {"type": "object", "required": ["aspect", "status", "video"], "additionalProperties": False,
                            "properties": {"aspect": {"type": "string", "enum": list(ASPECTS)},
                                           **QUEUED["properties"]}}},
           errors=["invalid_field", "not_ready", "no_logo"])
@require_role("producer")
def request_social_cut(video_id):
    """A square or vertical MP4 with the captions (and, with "logo": true, the station logo) burned in, made in the queue."""
    video = library.video_for(g.user, video_id)
    library.require_ready(video, "Social cuts can be made")
    data = json_body()
    aspect = choice_field(data, "aspect", ASPECTS)
    lang = language_tag(data.get("lang"), default=None)
    logo = data.get("logo", False)
    if not isinstance(logo, bool):
        raise Invalid("'logo' must be true or false.")
    if logo and branding.current() is None:
        raise Conflict(code="no_logo", message="There is no station logo to burn in; an admin uploads one in the studio.")
    lifecycle.start_edit(video, EditJob.SOCIAL_CUT, aspect, lang, logo)
    db.session().commit()
    return {"aspect": aspect, "status": "queued", "video": url_for("api.get_video", video_id=video.id)}, 202


@bp.post("/videos/<video_id>/captions/auto")
@operation("Transcribe the video again", tags=["captions"], responses={202: QUEUED},
           errors=["not_ready", "no_audio", "rate_limited"])
@require_role("producer")
@limited_work("transcribe")
def rerun_transcription(video_id):
    """Run automatic transcription again (after an engine or model change, say)."""
    video = library.video_for(g.user, video_id)
    library.require_ready(video, "Automatic captions can be made")
    if not video.pipeline_state.has_audio:
        raise Conflict(code="no_audio", message="The video has no sound to transcribe.")
    queue().caption(video)
    return {"status": CaptioningStatus.QUEUED, "video": url_for("api.get_video", video_id=video.id)}, 202


@bp.delete("/videos/<video_id>")
@operation("Delete a video, its media and its original", tags=["videos"],
           responses={204: None})
@require_role("producer")
def delete_video(video_id):
    """204 (the contract); stories that used the video lose the player, and the audit log names them."""
    library.delete_video(library.video_for(g.user, video_id), g.user)
    return "", 204


@bp.post("/videos/<video_id>/reprocess")
@operation("Process the video again from its original", tags=["videos"], responses={202: ACCEPTED},
           errors=["busy", "rate_limited"])
@require_role("producer")
@limited_work("reprocess")
def reprocess(video_id):
    """Run the whole pipeline again from the original (after a failure or a pipeline upgrade)."""
    video = library.video_for(g.user, video_id)
    queue().reprocess(video)
    return _accepted(video)
