"""Clips, trims and chapters of a video (docs/EDITING.md)."""
from flask import g, request, url_for

from videodesk.jobs.queue import queue
from videodesk.newsroom import chapters, clips, library
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import video_json
from videodesk.web.requests import json_body


@bp.post("/videos/<video_id>/clips")
@require_role("producer")
def create_clip(video_id):
    """A new video cut frame-accurately from a range of this one's original; 202 while it is made."""
    parent = library.video_for(g.user, video_id)
    clip = clips.create_clip(g.user, parent, json_body())
    queue().process_video(clip.id)
    return {"id": clip.id, "status": clip.status, "url": url_for("api.get_video", video_id=clip.id)}, 202


@bp.post("/videos/<video_id>/trim")
@require_role("producer")
def trim(video_id):
    """Keep only a range of the video (the original stays); it is processed again."""
    video = library.video_for(g.user, video_id)
    clips.trim(video, json_body(), queue().reprocess)
    return video_json(video), 202


@bp.delete("/videos/<video_id>/trim")
@require_role("producer")
def untrim(video_id):
    """Back to the whole original; it is processed again."""
    video = library.video_for(g.user, video_id)
    clips.untrim(video, queue().reprocess)
    return video_json(video), 202


@bp.put("/videos/<video_id>/chapters")
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
