"""Live streams (docs/LIVE.md): create, read, list, end, reset the key, delete, clip while running."""
from flask import g, url_for

from videodesk.jobs.queue import queue
from videodesk.newsroom import live
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.clips import RANGE, RANGE_ERRORS
from videodesk.web.api.presenters import LIVE_STREAM, live_json
from videodesk.web.api.videos import ACCEPTED, VIDEO_LINKS
from videodesk.web.openapi import Reply, link, operation
from videodesk.web.requests import json_body

LIVE_LINKS = {name: link(f"api_{name}", live_id="$response.body#/id") for name in (
    "get_live", "end_live", "reset_live_key", "delete_live")}


@bp.post("/live")
@operation("Create a live stream: its RTMP and SRT ingest URLs with a secret stream key", tags=["live"],
           request={"type": "object", "required": ["title"], "properties": {
               "title": {"type": "string", "minLength": 1, "maxLength": 300}},
               "examples": [{"title": "Mayor's press conference"}]},
           responses={201: Reply("Created, idle until the encoder connects", LIVE_STREAM, links=LIVE_LINKS)},
           errors=["missing_field", "invalid_field"])
@require_role("producer")
def create_live():
    """Paste `ingest.rtmp_url` (or `srt_url`) into OBS, vMix or ffmpeg; the stream goes live when it publishes."""
    stream = live.create(g.user, json_body())
    return live_json(stream), 201, {"Location": url_for("api.get_live", live_id=stream.id)}


@bp.get("/live")
@operation("List live streams (yours; editors see all)", tags=["live"],
           responses={200: {"type": "object", "required": ["live"], "additionalProperties": False,
                            "properties": {"live": {"type": "array", "items": LIVE_STREAM}}}})
@require_role("producer")
def list_live():
    """The newest first."""
    return {"live": [live_json(stream) for stream in live.streams_visible_to(g.user)]}


@bp.get("/live/<live_id>")
@operation("A live stream", tags=["live"], responses={200: LIVE_STREAM})
@require_role("producer")
def get_live(live_id):
    """Poll `status` (idle, live, ended) and, once ended, `video_id` (the recording)."""
    return live_json(live.stream_for(g.user, live_id))


@bp.post("/live/<live_id>/end")
@operation("End the live stream", tags=["live"], responses={200: LIVE_STREAM})
@require_role("producer")
def end_live(live_id):
    """The encoder is dropped and refused from now on; the recording becomes a video within a minute."""
    return live_json(live.end(g.user, live.stream_for(g.user, live_id)))


@bp.post("/live/<live_id>/reset-key")
@operation("Give the stream a new stream key", tags=["live"], responses={200: LIVE_STREAM})
@require_role("producer")
def reset_live_key(live_id):
    """The old key is refused from the next connection on (an encoder already publishing keeps going)."""
    return live_json(live.reset_key(g.user, live.stream_for(g.user, live_id)))


@bp.delete("/live/<live_id>")
@operation("Delete a live stream (not while live)", tags=["live"], responses={204: None}, errors=["conflict"])
@require_role("producer")
def delete_live(live_id):
    """Its live media go; its recording is a video of its own and stays."""
    live.delete_stream(g.user, live.stream_for(g.user, live_id))
    return "", 204


@bp.post("/live/<live_id>/clips")
@operation("Cut a clip from the live stream while it runs (or after)", tags=["live"],
           request={**RANGE, "properties": {**RANGE["properties"], "title": {"type": "string", "maxLength": 300}},
                    "description": "Seconds since the stream started (the DVR bar's timeline), within what is "
                                   "packaged so far (`duration`).",
                    "examples": [{"start": 20, "end": 35, "title": "The mayor on the bridge"}]},
           responses={202: Reply("The new video, queued (clip_of names the stream and the range)", ACCEPTED,
                                 links=VIDEO_LINKS)},
           errors=RANGE_ERRORS)
@require_role("producer")
def create_live_clip(live_id):
    """Playable within seconds (its quick version), with the live captions of its range."""
    clip = live.create_clip(g.user, live.stream_for(g.user, live_id), json_body())
    queue().process_video(clip.id)
    return {"id": clip.id, "status": clip.status, "url": url_for("api.get_video", video_id=clip.id)}, 202
