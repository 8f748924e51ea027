"""Reader pages: home, article, health."""
from flask import Blueprint, abort, render_template, request
from sqlalchemy import select, text

from . import db
from .models import Story
from .presenters import video_json
from .rendering import render_markdown

bp = Blueprint("public", __name__)


def published_stories(limit: int = 30):
    query = (select(Story).where(Story.status == "published")
             .order_by(Story.published_at.desc()).limit(limit))
    return list(db.session().scalars(query))


@bp.get("/")
def home():
    stories = published_stories()
    return render_template("public/home.html", stories=stories,
                           videos={s.id: video_json(s.video) for s in stories if s.video})


@bp.get("/stories/<slug>")
def story(slug):
    story = db.session().scalar(select(Story).where(Story.slug == slug))
    if story is None or not story.is_live:
        abort(404, "There is no published story at this address.")
    return render_template(
        "public/article.html",
        story=story,
        body=render_markdown(story.body),
        video=video_json(story.video) if story.video else None,
        canonical_url=request.base_url,
    )


@bp.get("/healthz")
def healthz():
    db.session().execute(text("SELECT 1"))
    return {"ok": True}
