"""The API's JSON for videos and stories (the contract in ../shared/CONTRACT.md)."""
from flask import url_for

from videodesk.core.models import Story, Video
from videodesk.web.filters import section_slug
from videodesk.web.views import video_view


def video_json(video: Video) -> dict:
    return {
        **video_view(video, detail=True),
        "source": {"kind": video.source_kind, "name": video.source_name, "url": video.source_url,
                   "size": video.source_size, "sha256": video.source_sha256},
        "created_at": video.created_at.isoformat() if video.created_at else None,
    }


def story_json(story: Story) -> dict:
    return {
        "id": story.id,
        "slug": story.slug,
        "url": url_for("public.story", slug=story.slug),
        "section_url": url_for("public.section", slug=section_slug(story.section)),
        "headline": story.headline,
        "dek": story.dek,
        "body": story.body,
        "byline": story.byline,
        "section": story.section,
        "language": story.language,
        "status": story.status,
        "published_at": story.published_at.isoformat() if story.published_at else None,
        "video_id": story.video_id,
        "video_position": story.video_position,
        "scheduled": story.is_scheduled,
        "created_at": story.created_at.isoformat() if story.created_at else None,
        "updated_at": story.updated_at.isoformat() if story.updated_at else None,
    }


