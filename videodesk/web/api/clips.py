"""Clips, trims and chapters of a video (docs/EDITING.md)."""
from flask import g, request, url_for

from videodesk.jobs.queue import queue
from videodesk.newsroom import chapters, clips, library
from videodesk.web.access import limited_work, require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import CHAPTER, VIDEO, video_json
from videodesk.web.api.videos import ACCEPTED, VIDEO_LINKS
from videodesk.web.openapi import Reply, operation
from videodesk.web.requests import json_body

SECONDS = {"type": "number", "minimum": 0, "description": "Seconds on the timeline the player shows."}
RANGE = {"type": "object", "required": ["start", "end"], "properties": {"start": SECONDS, "end": SECONDS},
         "description": "0 <= start < end <= duration, at least 0.5 s long.", "examples": [{"start": 12, "end": 40.5}]}
RANGE_ERRORS = ["missing_field", "invalid_field", "not_ready"]
JOB_ERRORS = [*RANGE_ERRORS, "rate_limited"]


@bp.post("/videos/<video_id>/clips")
@operation("Cut a clip: a new video from a range of this one, also while it is still processing (once probed)",
           tags=["videos"],
           request={**RANGE, "properties": {**RANGE["properties"], "title": {
               "type": "string", "maxLength": 300,
               "description": "Defaults to the parent's title and the range, \"Flood (0:12–0:40)\"."}},
               "examples": [{"start": 12, "end": 40.5, "title": "The barrier closes"}]},
           responses={202: Reply("The new video, queued", ACCEPTED, links=VIDEO_LINKS)},
           errors=[*JOB_ERRORS, "quota_exceeded"])
@require_role("producer")
@limited_work("clip")
def create_clip(video_id):
    """A new video cut frame-accurately from a range of this one's original; 202 while it is made. The
    parent may still be processing: 409 not_ready only before its original is probed. The clip plays
    within seconds (its quick version) and takes the parent's cues of its range as they are transcribed."""
    parent = library.video_for(g.user, video_id)
    clip = clips.create_clip(g.user, parent, json_body())
    queue().process_video(clip.id)
    return {"id": clip.id, "status": clip.status, "url": url_for("api.get_video", video_id=clip.id)}, 202


@bp.post("/videos/<video_id>/trim")
@operation("Trim the video to a range (the original is kept)", tags=["videos"], request=RANGE,
           responses={202: VIDEO}, errors=[*JOB_ERRORS, "busy"])
@require_role("producer")
@limited_work("reprocess")
def trim(video_id):
    """Keep only a range of the video (the original stays); it is processed again."""
    video = library.video_for(g.user, video_id)
    clips.trim(video, json_body())
    return video_json(video), 202


@bp.delete("/videos/<video_id>/trim")
@operation("Undo the trim", tags=["videos"], responses={202: VIDEO}, errors=["not_trimmed", "busy", "rate_limited"])
@require_role("producer")
@limited_work("reprocess")
def untrim(video_id):
    """Back to the whole original; it is processed again."""
    video = library.video_for(g.user, video_id)
    clips.untrim(video)
    return video_json(video), 202


@bp.put("/videos/<video_id>/chapters")
@operation("Set the chapters (key moments)", tags=["videos"],
           request={"application/json": {"oneOf": [
               {"type": "object", "required": ["chapters"], "properties": {
                   "chapters": {"type": "array", "maxItems": 100, "items": CHAPTER,
                                "description": "Sorted, unique starts before the end of the video; [] removes them."}}},
               {"type": "object", "required": ["description"], "properties": {
                   "description": {"type": "string", "description": "Text with \"0:00 Title\" lines; other lines are ignored."}}}],
               "examples": [{"chapters": [{"start": 0, "title": "Intro"}, {"start": 90, "title": "Weather"}]},
                            {"description": "0:00 Intro\n1:30 Weather"}]},
               "text/plain": {"type": "string", "description": "\"0:00 Title\" lines.",
                              "examples": ["0:00 Intro\n1:30 Weather\n"]}},
           responses={200: VIDEO}, errors=RANGE_ERRORS)
@require_role("producer")
def put_chapters(video_id):
    """{"chapters": [{"start", "title"}]}, {"description": "0:00 Intro..."} or the lines as text/plain."""
    video = library.video_for(g.user, video_id)
    if request.mimetype == "text/plain":
        data = {"description": request.get_data(as_text=True)}
    else:
        data = json_body()
    chapters.save_chapters(video, data)
    return video_json(video)
