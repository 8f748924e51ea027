"""Creating and changing stories: the rules shared by the API and the studio forms."""
from sqlalchemy import select

from . import audit, caching, db
from .errors import ApiError
from .models import Story, Video, utcnow
from .slugs import slugify
from .validation import text_field

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


def apply_changes(story: Story, data: dict):
    """Validate and apply a partial update; every failure is a 400 naming the field."""
    for name, max_length in TEXT_FIELDS.items():
        if name in data:
            setattr(story, name, text_field(data, name, max_length=max_length, required=name == "headline"))
    if "body" in data:
        story.body = text_field(data, "body", max_length=BODY_MAX) or ""
    if "video_id" in data:
        video_id = data["video_id"] or None
        if video_id is not None and (not isinstance(video_id, str) or db.session().get(Video, video_id) is None):
            raise ApiError(400, "invalid_field", "'video_id' does not name an existing video.")
        story.video_id = video_id
    if "status" in data:
        if data["status"] not in STATUSES:
            raise ApiError(400, "invalid_field", f"'status' must be one of: {', '.join(STATUSES)}.")
        story.status = data["status"]
        if story.status == "published" and story.published_at is None:
            story.published_at = utcnow()


def _audit_status(user, story: Story, before: str):
    if story.status != before:
        audit.record(user, "publish" if story.is_live else "unpublish", f"story:{story.slug}",
                     headline=story.headline)


def create_story(user, data: dict) -> Story:
    text_field(data, "headline", required=True, max_length=TEXT_FIELDS["headline"])
    story = Story(author_id=user.id, status="draft")
    apply_changes(story, data)
    story.slug = unique_slug(story.headline)
    db.session().add(story)
    _audit_status(user, story, "draft")
    db.session().commit()
    caching.clear()
    return story


def update_story(user, story: Story, data: dict) -> Story:
    before = story.status
    apply_changes(story, data)
    _audit_status(user, story, before)
    db.session().commit()
    caching.clear()
    return story
