"""The API's JSON for videos and stories (the contract in ../shared/CONTRACT.md)."""
from flask import current_app, url_for

from videodesk.core.models import Story, Video
from videodesk.web.filters import section_slug
from videodesk.web.views import URL_FIELDS, video_view


def signed_urls(video: Video) -> dict | None:
    """For a private video: the same URLs, signed, so a player without the token (another browser, an
    HLS player that sends no headers) can preview it until they expire."""
    if video.is_public:
        return None
    view = video_view(video, signed=True)
    return {"expires_in": current_app.config["SIGNED_URL_TTL_S"], **{field: view[field] for field in URL_FIELDS},
            "captions": [{"lang": track["lang"], "url": track["url"]} for track in view["captions"]]}


def video_json(video: Video) -> dict:
    return {
        **video_view(video, detail=True),
        "signed_urls": signed_urls(video),
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


