"""The player for other sites: /embed/<video_id> (framable by any origin) and oEmbed 1.0."""
import math
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from videodesk.auth.access import can_manage_video
from videodesk.core import db
from videodesk.core.errors import Invalid, NotFound
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import Story, Video
from videodesk.core.text import whole_number
from videodesk.newsroom import live
from videodesk.newsroom.stories import live_story_for
from videodesk.web import caching
from videodesk.web.access import current_user
from videodesk.web.errors import ApiError, json_errors
from videodesk.web.filters import absolute
from videodesk.web.live_views import live_view
from videodesk.web.openapi import Reply, operation, query
from videodesk.web.urls import site_host, site_root
from videodesk.web.views import video_view

bp = Blueprint("embed", __name__)
MAX_SIZE = 4096
PIXELS = {"type": "integer", "minimum": 1, "maximum": MAX_SIZE}
OEMBED = {
    "type": "object", "required": ["version", "type", "title", "provider_name", "provider_url", "cache_age", "html",
                                   "width", "height"],
    "additionalProperties": False,
    "properties": {"version": {"const": "1.0"}, "type": {"const": "video"}, "title": {"type": "string"},
                   "author_name": {"type": "string"}, "provider_name": {"type": "string"},
                   "provider_url": {"type": "string"}, "cache_age": {"type": "integer"}, "html": {"type": "string"},
                   "width": PIXELS, "height": PIXELS, "thumbnail_url": {"type": "string"},
                   "thumbnail_width": {"type": "integer"}, "thumbnail_height": {"type": "integer"}},
}


@bp.get("/embed/<video_id>")
def player(video_id):
    def build():
        video = db.session().get(Video, video_id)
        story = live_story_for(video) if video else None
        if story is None or not video.playable:
            abort(404, "This video is not available for embedding.")
        html = render_template("public/embed.html", story=story, video=video_view(video))
        return html, max(story.updated_at, video.updated_at)

    body, last_modified = caching.cached(("embed", video_id), build)
    return caching.reader_response(body, last_modified=last_modified)


def _public_live(live_id: str):
    """A live stream readers may watch: a published story plays it (its managers may too)."""
    stream = live.stream_by_id(live_id)
    if stream is None or not (stream.is_public or can_manage_video(current_user(), stream)):
        abort(404, "This live stream is not available.")
    return stream


@bp.get("/embed/live/<live_id>")
def live_player(live_id):
    """The live player alone, for iframes; after the end (once playable) the recording's player."""
    stream = _public_live(live_id)
    view = live_view(stream)
    story = next((s for s in stream.stories if s.is_live), None)
    if view["recording"] is not None and story is not None:
        return redirect(url_for("embed.player", video_id=view["recording"].id))
    return render_template("public/embed_live.html", live=view, story=story)


@bp.get("/embed/live/<live_id>/status")
def live_status(live_id):
    """What the live player polls: its state, and whether the recording now plays in its place."""
    view = live_view(_public_live(live_id))
    response = jsonify({"state": view["state"], "recording": view["recording"] is not None})
    response.cache_control.max_age = 2
    return response


def _story_for_url(url: str) -> tuple[Story, Video]:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or parts.netloc != site_host():
        raise NotFound("The URL is not a page of this site.")
    segments = [s for s in parts.path.split("/") if s]
    session = db.session()
    story = video = None
    if len(segments) == 2 and segments[0] == "stories":
        story = session.scalar(select(Story).where(Story.slug == segments[1]))
        video = story.video if story is not None and story.is_live else None
    elif len(segments) == 2 and segments[0] in ("embed", "videos"):  # the player, or the watch page
        video = session.get(Video, segments[1])
        story = live_story_for(video) if video else None
    if story is None or not story.is_live or video is None or video.status != VideoStatus.READY:
        raise NotFound("There is no published video at that URL.")
    return story, video


def _fit(width: int, height: int, max_width: int | None, max_height: int | None) -> tuple[int, int]:
    """oEmbed 1.0: the embed must not exceed maxwidth/maxheight; keep the aspect ratio."""
    scale = min(1.0, (max_width or math.inf) / width, (max_height or math.inf) / height)
    return max(1, int(width * scale)), max(1, int(height * scale))


def _dimension(name: str) -> int | None:
    value = request.args.get(name)
    if value is None:
        return None
    pixels = whole_number(value)
    if pixels is None or not 1 <= pixels <= MAX_SIZE:
        raise Invalid(f"'{name}' must be a whole number of pixels from 1 to {MAX_SIZE}.")
    return pixels


@bp.get("/oembed")
@operation("oEmbed 1.0 for a story, watch page or embed URL of this site", tags=["reader"], public=True, parameters=[
    query("url", {"type": "string"}, "A story (/stories/<slug>), watch page (/videos/<video_id>) or embed "
          "(/embed/<video_id>) URL of this host.", required=True),
    query("format", {"type": "string", "enum": ["json", "xml"], "default": "json"}),
    query("maxwidth", PIXELS), query("maxheight", PIXELS)],
    responses={200: Reply("The embed", content={"application/json": OEMBED, "text/xml": {"type": "string"}})},
    errors=["missing_field", "invalid_field", "not_found", "unsupported_format"])
@json_errors
def oembed():
    url = request.args.get("url")
    if not url:
        raise Invalid(code="missing_field", message="'url' is required.")
    fmt = request.args.get("format") or "json"
    if fmt not in ("json", "xml"):
        # oEmbed 1.0 section 2.3.4: an unsupported format is 501 Not Implemented.
        raise ApiError("unsupported_format", "Formats offered: json, xml.")
    max_width, max_height = _dimension("maxwidth"), _dimension("maxheight")
    story, video = _story_for_url(url)
    width, height = _fit(video.width, video.height, max_width, max_height)
    data = video_view(video)
    embed_url = url_for("embed.player", video_id=video.id, _external=True)
    answer = {
        "version": "1.0", "type": "video", "title": story.headline, "provider_name": "videodesk",
        "provider_url": site_root() + "/", "cache_age": 3600,
        "html": str(Markup('<iframe src="{}" width="{}" height="{}" title="{}" frameborder="0" '
                           'allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>')
                    .format(embed_url, width, height, story.headline)),
        "width": width, "height": height,
    }
    if story.byline:
        answer["author_name"] = story.byline
    # The largest poster file that fits the embed (its real size is what we declare).
    fitting = [p for p in data["posters"] if p["width"] <= width and p["height"] <= height]
    poster = fitting[0] if fitting else (data["posters"][-1] if data["posters"] else None)
    if poster:
        answer.update({"thumbnail_url": absolute(poster["jpeg_url"]), "thumbnail_width": poster["width"],
                       "thumbnail_height": poster["height"]})
    if fmt == "json":
        response = jsonify(answer)
    else:
        fields = "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in answer.items())
        response = Response(f'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<oembed>{fields}</oembed>',
                                    mimetype="text/xml")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
