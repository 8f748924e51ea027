"""Reader pages: front page, section fronts, articles, health."""
from flask import Blueprint, abort, render_template
from sqlalchemy import select, text

from videodesk.core import db
from videodesk.core.models import Story
from videodesk.newsroom.stories import published
from videodesk.web import caching
from videodesk.web.errors import json_errors
from videodesk.web.filters import section_slug
from videodesk.web.openapi import operation
from videodesk.web.reader.article import render_article
from videodesk.web.views import video_view

bp = Blueprint("public", __name__)


def _front(title: str, stories: list[Story]):
    cards = [(story, video_view(story.video) if story.video else None) for story in stories]
    html = render_template("public/front.html", title=title, cards=cards)
    return html, max((s.updated_at for s in stories), default=None)


@bp.get("/")
def home():
    body, last_modified = caching.cached(("home",),
                                         lambda: _front("Latest video stories", published()))
    return caching.reader_response(body, last_modified=last_modified)


@bp.get("/sections/<slug>")
def section(slug):
    def build():
        stories = [s for s in published(limit=500) if section_slug(s.section) == slug][:60]
        if not stories:
            abort(404, "There is no section at this address.")
        return _front(stories[0].section, stories)

    body, last_modified = caching.cached(("section", slug), build)
    return caching.reader_response(body, last_modified=last_modified)


@bp.get("/stories/<slug>")
def story(slug):
    def build():
        story = db.session().scalar(select(Story).where(Story.slug == slug))
        if story is None or not story.is_live:
            abort(404, "There is no published story at this address.")
        modified = max(story.updated_at, story.video.updated_at) if story.video else story.updated_at
        return render_article(story), modified

    body, last_modified = caching.cached(("story", slug), build)
    return caching.reader_response(body, last_modified=last_modified)


@bp.get("/healthz")
@operation("Health: the app answers and its database too", tags=["service"], public=True, responses={
    200: {"type": "object", "required": ["ok"], "additionalProperties": False, "properties": {"ok": {"type": "boolean"}}}})
@json_errors
def healthz():
    db.session().execute(text("SELECT 1"))
    return {"ok": True}
