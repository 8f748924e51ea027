"""Creating and changing stories: the rules shared by the API and the studio forms."""
from datetime import UTC, datetime

from sqlalchemy import select

from videodesk.core import db, outbox
from videodesk.core.errors import Invalid, NotFound
from videodesk.core.ids import is_random_id
from videodesk.core.models import DEFAULT_SECTION, LiveStream, Story, StoryRevision, Video, utcnow
from videodesk.core.validation import choice_field, language_tag, text_field
from videodesk.newsroom import audit, visibility, webhooks
from videodesk.newsroom.slugs import slugify

STATUSES = ("draft", "published")
TEXT_FIELDS = {"headline": 300, "dek": 1000, "body": 200_000, "byline": 200, "section": 100}  # longest values
EMPTY_VALUES = {"section": DEFAULT_SECTION}  # what null or "" sets; other text fields become ""
POSITION_MAX = 10_000  # paragraphs; also keeps the value inside a database integer
REVISIONS_LISTED = 50


def published(limit: int = 30) -> list[Story]:
    """Live stories, newest first (scheduled ones appear once their time has come)."""
    query = select(Story).where(Story.live_clause()).order_by(Story.published_at.desc()).limit(limit)
    return list(db.session().scalars(query))


def recent(limit: int = 20) -> list[Story]:
    """The stories a desk works on now (drafts and published), latest edited first."""
    return list(db.session().scalars(select(Story).order_by(Story.updated_at.desc(), Story.id.desc()).limit(limit)))


def live_story_for(video: Video) -> Story | None:
    """The newest published story using the video: a video is public (embed, watch page) through it."""
    stories = [s for s in video.stories if s.is_live]
    return max(stories, key=lambda s: s.published_at) if stories else None


def stories_using(video: Video, user) -> tuple[list[Story], int]:
    """The stories using the video that `user` may read, newest first, and how many others there are.
    Editors read every story; anyone else only the live ones (readers see those anyway), so a
    producer learns no draft's headline through their own video."""
    stories = sorted(video.stories, key=lambda story: story.updated_at or story.created_at, reverse=True)
    readable = stories if user.has_role("editor") else [story for story in stories if story.is_live]
    return readable, len(stories) - len(readable)


def story_by_id(story_id: int) -> Story:
    story = db.session().get(Story, story_id)
    if story is None:
        raise NotFound("No such story.")
    return story


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
            value = text_field(data, name, max_length=max_length, required=name == "headline")
            setattr(story, name, value or EMPTY_VALUES.get(name, ""))
    if "language" in data:
        story.language = language_tag(data["language"], "language")
    if "video_id" in data:
        video_id = data["video_id"] or None
        if video_id is not None and (not is_random_id(video_id) or db.session().get(Video, video_id) is None):
            raise Invalid("'video_id' does not name an existing video.")
        story.video_id = video_id
    if "live_id" in data:
        live_id = data["live_id"] or None
        if live_id is not None and (not is_random_id(live_id) or db.session().get(LiveStream, live_id) is None):
            raise Invalid("'live_id' does not name an existing live stream.")
        story.live_id = live_id
    if "video_position" in data:
        position = data["video_position"]
        if position is not None and (isinstance(position, bool) or not isinstance(position, int)
                                     or not 0 <= position <= POSITION_MAX):
            raise Invalid("'video_position' must be null (end) or a paragraph count.")
        story.video_position = position
    if "published_at" in data:
        story.published_at = _moment(data["published_at"])
    if "status" in data:
        story.status = choice_field(data, "status", STATUSES)
        if story.status == "published" and story.published_at is None:
            story.published_at = utcnow()


def _moment(value) -> datetime | None:
    """ISO 8601 publication time; a future time schedules the story."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise Invalid("'published_at' must be an ISO 8601 date and time.") from None


REVISED_FIELDS = ("headline", "dek", "body", "byline", "section", "language", "video_id", "live_id",
                  "video_position")


def snapshot(story: Story) -> dict:
    return {field: getattr(story, field) for field in REVISED_FIELDS}


def revisions(story: Story, limit: int = REVISIONS_LISTED) -> list[StoryRevision]:
    """The latest first; older ones stay stored (and restorable) but a busy story's editor stays light."""
    return list(db.session().scalars(select(StoryRevision).where(StoryRevision.story_id == story.id)
                                     .order_by(StoryRevision.id.desc()).limit(limit)))


def restore(user, story: Story, revision: StoryRevision) -> Story:
    """Bring back an earlier text; the current one becomes a revision itself."""
    return update_story(user, story, dict(revision.data))


def _audit_status(user, story: Story, before: str):
    if story.status != before:
        published = story.status == "published"
        detail = {"headline": story.headline}
        if published and story.is_scheduled:
            detail["scheduled_for"] = story.published_at.isoformat()
        audit.record(user, "publish" if published else "unpublish", f"story:{story.slug}", **detail)
        webhooks.story_status_changed(story, before)


def _commit(*video_ids):
    """Readers see the change; a video a live story now uses becomes public (newsroom/visibility.py)."""
    outbox.commit(db.session(), outbox.ContentChanged(), *(outbox.MediaUsed(v) for v in video_ids if v))


def create_story(user, data: dict) -> Story:
    text_field(data, "headline", required=True, max_length=TEXT_FIELDS["headline"])
    story = Story(author_id=user.id, status="draft")
    apply_changes(story, data)
    story.slug = unique_slug(story.headline)
    db.session().add(story)
    _audit_status(user, story, "draft")
    _commit(story.video_id)
    return story


def update_story(user, story: Story, data: dict) -> Story:
    before, old = story.status, snapshot(story)
    apply_changes(story, data)
    if snapshot(story) != old:
        db.session().add(StoryRevision(story_id=story.id, user_name=user.name if user else "system", data=old))
    _audit_status(user, story, before)
    videos = [db.session().get(Video, video_id) for video_id in {old["video_id"], story.video_id} if video_id]
    visibility.withdraw_before_commit(videos)
    _commit(*(video.id for video in videos))
    return story
