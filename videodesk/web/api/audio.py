"""Audio tracks of a video: add a language, dub or audio description; remove one (docs/AUDIO.md)."""
import tempfile
from pathlib import Path

from flask import g, request, url_for

from videodesk.core import db, storage
from videodesk.core.errors import Invalid, NotFound
from videodesk.core.languages import language_name
from videodesk.core.models import AudioTrack
from videodesk.core.validation import choice_field, language_tag, text_field
from videodesk.jobs import audio_edits
from videodesk.media.audio import KINDS
from videodesk.newsroom import library
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import AUDIO_TRACK
from videodesk.web.api.videos import FILE, LANG
from videodesk.web.openapi import operation
from videodesk.web.requests import UPLOAD, body_limit
from videodesk.web.views import audio_json

KIND_LABELS = {"description": "audio description", "commentary": "commentary"}


def _label(form, lang: str, kind: str) -> str:
    """The name players show: the producer's, else the language's (with what the track is for)."""
    label = text_field(form, "label", max_length=100)
    if label:
        return label
    name = language_name(lang)
    return f"{name} ({KIND_LABELS[kind]})" if kind in KIND_LABELS else name


@bp.post("/videos/<video_id>/audio")
@operation("Add an audio track (a language, a dub, audio description, commentary)", tags=["audio"],
           request={"multipart/form-data": {"type": "object", "required": ["file", "lang"], "properties": {
               "file": {**FILE, "description": "Audio, or a video whose first sound stream is used."},
               "lang": {key: value for key, value in LANG.items() if key != "default"},
               "kind": {"type": "string", "enum": list(KINDS), "default": "dub"},
               "label": {"type": "string", "maxLength": 100, "description": "Defaults to the language's name."}}}},
           responses={201: AUDIO_TRACK},
           errors=["missing_file", "missing_field", "invalid_field", "invalid_audio", "not_ready", "too_large"])
@body_limit(UPLOAD)
@require_role("producer")
def add_audio_track(video_id):
    """201 once the track plays: it is encoded while the request waits and listed in the HLS master."""
    video = library.video_for(g.user, video_id)
    form = request.form
    if not form.get("lang"):
        raise Invalid(code="missing_field", message="'lang' (the track's language, BCP 47 such as 'es') is required.")
    lang = language_tag(form.get("lang"))
    kind = choice_field(form, "kind", KINDS) if form.get("kind") else "dub"
    label = _label(form, lang, kind)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(code="missing_file", message="Send the audio (or a video with sound) as the multipart field 'file'.")
    library.require_ready(video, "Audio tracks can be added")
    storage.tmp_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=storage.tmp_dir()) as folder:
        path = Path(folder) / "upload"
        upload.save(path)
        if path.stat().st_size == 0:
            raise Invalid(code="invalid_audio", message="The audio file is empty.")
        track = audio_edits.add_audio_track(video, path, lang, kind, label)
    return audio_json(track), 201


def _track_of(video, track_id: int) -> AudioTrack:
    track = db.session().get(AudioTrack, track_id)
    if track is None or track.video_id != video.id:
        raise NotFound("No such audio track.")
    return track


@bp.post("/videos/<video_id>/audio/<int:track_id>/mp4")
@operation("Make the MP4 download in this track's language", tags=["audio"],
           responses={202: {"type": "object", "required": ["status", "video"], "additionalProperties": False,
                            "properties": {"status": {"const": "queued"},
                                           "video": {"type": "string", "description": "The video's API URL; the "
                                                     "track's mp4_url is set when the MP4 is made."}}}},
           errors=["not_ready"])
@require_role("producer")
def request_language_mp4(video_id, track_id):
    """202; the web MP4's picture with this track's sound, remuxed in the queue (nothing encoded again)."""
    video = library.video_for(g.user, video_id)
    audio_edits.request_language_mp4(_track_of(video, track_id))
    db.session().commit()
    return {"status": "queued", "video": url_for("api.get_video", video_id=video.id)}, 202


@bp.delete("/videos/<video_id>/audio/<int:track_id>")
@operation("Remove an audio track", tags=["audio"], responses={204: None}, errors=["conflict"])
@require_role("producer")
def remove_audio_track(video_id, track_id):
    """204; the master stops listing it at once. The default (main) track cannot be removed."""
    video = library.video_for(g.user, video_id)
    audio_edits.remove_audio_track(video, _track_of(video, track_id))
    return "", 204
