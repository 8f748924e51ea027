"""Sitemaps (with Google's video extension) and a Media RSS feed of published stories."""
from flask import Blueprint, render_template
from sqlalchemy import select

from videodesk.core import db
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import Story
from videodesk.newsroom.stories import published
from videodesk.web import caching
from videodesk.web.filters import section_slug
from videodesk.web.views import video_view

bp = Blueprint("feeds", __name__)
XML = "application/xml"


def _xml(key, template, context=dict):
    """`context()` adds template values; it runs only when the page is built, not on cache hits."""
    def build():
        stories = published(limit=1000)
        videos = {s.id: video_view(s.video) for s in stories if s.video and s.video.status == VideoStatus.READY}
        last = max((s.updated_at for s in stories), default=None)
        return render_template(template, stories=stories, videos=videos, watch_pages=_watch_pages(stories, videos),
                               **context()), last

    body, last_modified = caching.cached((key,), build)
    return caching.reader_response(body, mimetype=XML, last_modified=last_modified, max_age=300)


def _watch_pages(stories, videos) -> list[tuple]:
    """(story, video) once per video, with its newest story (stories come newest first), as the watch page shows."""
    seen, pages = set(), []
    for story in stories:
        video = videos.get(story.id)
        if video and video["id"] not in seen:
            seen.add(video["id"])
            pages.append((story, video))
    return pages


@bp.get("/sitemap.xml")
def sitemap():
    def sections():
        live = sorted(set(db.session().scalars(select(Story.section).where(Story.live_clause()))))
        return {"sections": [section_slug(s) for s in live]}

    return _xml("sitemap", "feeds/sitemap.xml", sections)


@bp.get("/sitemap-video.xml")
def video_sitemap():
    return _xml("sitemap-video", "feeds/sitemap-video.xml")


@bp.get("/feeds/video.xml")
def media_rss():
    return _xml("media-rss", "feeds/video.xml")
