"""Stories: create, read and update; publishing stamps published_at."""
from sqlalchemy import select

from .. import caching, db
from ..auth import current_user, require_role
from ..errors import ApiError
from ..models import Story, Video, utcnow
from ..presenters import story_json
from ..slugs import slugify
from . import bp
from .validation import choice_field, json_body, text_field

STATUSES = ("draft", "published")
TEXT_FIELDS = {"headline": 300, "dek": 1000, "byline": 200, "section": 100, "language": 35}
BODY_MAX = 200_000


def unique_slug(headline: str) -> str:
    base = slugify(headline)
    taken = set(db.session().scalars(select(Story.slug).where(Story.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply(story: Story, data: dict):
    for name, max_length in TEXT_FIELDS.items():
        if name in data:
            value = text_field(data, name, required=name == "headline", max_length=max_length)
            setattr(story, name, value)
    if "body" in data:
        story.body = text_field(data, "body", max_length=BODY_MAX)
    if "video_id" in data:
        video_id = data["video_id"]
        if video_id is not None and (not isinstance(video_id, str) or db.session().get(Video, video_id) is None):
            raise ApiError(400, "invalid_field", "'video_id' does not name an existing video.")
        story.video_id = video_id
    if "status" in data:
        story.status = choice_field(data, "status", STATUSES)
        if story.status == "published" and story.published_at is None:
            story.published_at = utcnow()


def _load(story_id: int) -> Story:
    story = db.session().get(Story, story_id)
    if story is None:
        raise ApiError(404, "not_found", "No such story.")
    return story


@bp.post("/stories")
@require_role("editor")
def create_story():
    data = json_body()
    text_field(data, "headline", required=True)
    story = Story(author_id=current_user().id, status="draft")
    _apply(story, data)
    story.slug = unique_slug(story.headline)
    db.session().add(story)
    db.session().commit()
    return {"id": story.id, "slug": story.slug, "url": story_json(story)["url"]}, 201


@bp.get("/stories/<int:story_id>")
@require_role("editor")
def get_story(story_id):
    return story_json(_load(story_id))


@bp.patch("/stories/<int:story_id>")
@require_role("editor")
def update_story(story_id):
    story = _load(story_id)
    _apply(story, json_body())
    db.session().commit()
    caching.clear()
    return story_json(story)
