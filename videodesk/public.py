"""Reader pages: front page, section fronts, articles, health."""
from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select, text

from . import caching, db
from .models import Story
from .presenters import section_slug, video_json
from .rendering import render_split
from .structured_data import json_ld, news_article, social_tags, transcript

bp = Blueprint("public", __name__)


def published_stories(limit: int = 30):
    query = (select(Story).where(Story.live_clause())
             .order_by(Story.published_at.desc()).limit(limit))
    return list(db.session().scalars(query))


def _front(title: str, stories: list[Story]):
    cards = [(story, video_json(story.video) if story.video else None) for story in stories]
    html = render_template("public/front.html", title=title, cards=cards)
    return html, max((s.updated_at for s in stories), default=None)


@bp.get("/")
def home():
    body, last_modified = caching.cached(("home", request.host),
                                         lambda: _front("Latest video stories", published_stories()))
    return caching.reader_response(body, last_modified=last_modified)


@bp.get("/sections/<slug>")
def section(slug):
    def build():
        stories = [s for s in published_stories(limit=500) if section_slug(s.section) == slug][:60]
        if not stories:
            abort(404, "There is no section at this address.")
        return _front(stories[0].section, stories)

    body, last_modified = caching.cached(("section", slug, request.host), build)
    return caching.reader_response(body, last_modified=last_modified)


def render_article(story: Story, preview: bool = False) -> str:
    """The article page; editors preview drafts with the same template."""
    video = video_json(story.video) if story.video else None
    words = transcript(story.video) if video and video["status"] == "ready" else None
    body, body_after = render_split(story.body, story.video_position if video else None)
    return render_template(
        "public/article.html", story=story, body=body, body_after=body_after, video=video, preview=preview,
        transcript=words, canonical_url=url_for("public.story", slug=story.slug, _external=True),
        json_ld=json_ld(news_article(story, video, words)), social_tags=social_tags(story, video),
    )


@bp.get("/stories/<slug>")
def story(slug):
    def build():
        story = db.session().scalar(select(Story).where(Story.slug == slug))
        if story is None or not story.is_live:
            abort(404, "There is no published story at this address.")
        modified = max(story.updated_at, story.video.updated_at) if story.video else story.updated_at
        return render_article(story), modified

    body, last_modified = caching.cached(("story", slug, request.host), build)
    return caching.reader_response(body, last_modified=last_modified)


@bp.get("/healthz")
def healthz():
    db.session().execute(text("SELECT 1"))
    return {"ok": True}
