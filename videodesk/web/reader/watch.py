"""The watch page, /videos/<video_id>: the video as the page's main content (what Google's video
indexing asks for), with its description, chapters, transcript and a link to the story. Public,
like the embed, once a published story uses the video."""
from flask import Blueprint, abort, render_template

from videodesk.core import db
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import Video
from videodesk.newsroom import transcripts, watch_counts
from videodesk.newsroom.stories import live_story_for
from videodesk.web import caching
from videodesk.web.reader.structured_data import json_ld, social_tags, watch_url, watch_video_object
from videodesk.web.views import video_view

bp = Blueprint("watch", __name__)


@bp.get("/videos/<video_id>")
def page(video_id):
    def build():
        video = db.session().get(Video, video_id)
        story = live_story_for(video) if video else None
        if story is None or video.status != VideoStatus.READY:
            abort(404, "There is no published video at this address.")
        data = video_view(video)
        words = transcripts.plain_text(video, story.language)
        plays = watch_counts.totals([video.id]).get(video.id, {}).get("play", 0)
        url = watch_url(video.id)
        html = render_template(
            "public/watch.html", story=story, video=data, transcript=words, canonical_url=url,
            json_ld=json_ld(watch_video_object(story, data, words, plays)),
            social_tags=social_tags(story, data, page_url=url, og_type="video.other"))
        return html, max(story.updated_at, video.updated_at)

    # `?t=` is read by the player in the browser, so every start time shares one cached page.
    body, last_modified = caching.cached(("watch", video_id), build)
    return caching.reader_response(body, last_modified=last_modified)
