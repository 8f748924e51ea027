"""Stories: create, read and update; publishing stamps published_at."""
from flask import g

from videodesk.newsroom import stories
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import STORY, story_json
from videodesk.web.openapi import Reply, component, link, operation
from videodesk.web.requests import STORY_JSON, body_limit, json_body

_TEXT = {"type": ["string", "null"], "description": "null clears it"}
STORY_FIELDS = {
    "headline": {"type": "string", "minLength": 1, "maxLength": stories.TEXT_FIELDS["headline"]},
    "body": {**_TEXT, "maxLength": stories.TEXT_FIELDS["body"], "description": "Markdown"},
    "dek": {**_TEXT, "maxLength": stories.TEXT_FIELDS["dek"]},
    "byline": {**_TEXT, "maxLength": stories.TEXT_FIELDS["byline"]},
    "section": {**_TEXT, "maxLength": stories.TEXT_FIELDS["section"], "description": "null: Top News Video"},
    "language": {"type": ["string", "null"], "description": "BCP 47 tag; null: en"},
    "video_id": {"type": ["string", "null"], "description": "An existing video, or null for none."},
    "live_id": {"type": ["string", "null"], "description": "A live stream the article plays (then its recording)."},
    "video_position": {"type": ["integer", "null"], "minimum": 0, "maximum": stories.POSITION_MAX,
                       "description": "Paragraphs before the player; null: at the end."},
    "published_at": {"type": ["string", "null"], "format": "date-time",
                     "description": "With status published, a future time schedules the story."},
    "status": {"type": "string", "enum": list(stories.STATUSES)},
}
STORY_EXAMPLE = {"headline": "Flood defences hold", "body": "The barrier closed at dawn.\n\nIt held.",
                 "video_id": "k2v7q9x1", "status": "draft"}
STORY_CREATED = component("StoryCreated", {
    "type": "object", "required": ["id", "slug", "url"], "additionalProperties": False,
    "properties": {"id": {"type": "integer"}, "slug": {"type": "string"},
                   "url": {"type": "string", "description": "The article's path."}},
    "examples": [{"id": 7, "slug": "flood-defences-hold", "url": "/stories/flood-defences-hold"}]})
STORY_ERRORS = ["invalid_field", "missing_field", "invalid_input"]


@bp.post("/stories")
@operation("Create a story", tags=["stories"],
           request={"type": "object", "required": ["headline"], "properties": STORY_FIELDS, "examples": [STORY_EXAMPLE]},
           responses={201: Reply("Created", STORY_CREATED, links={
               name: link(f"api_{name}", story_id="$response.body#/id") for name in ("get_story", "update_story")})},
           errors=STORY_ERRORS)
@body_limit(STORY_JSON)
@require_role("editor")
def create_story():
    story = stories.create_story(g.user, json_body())
    return {"id": story.id, "slug": story.slug, "url": story_json(story)["url"]}, 201


@bp.get("/stories/<int:story_id>")
@operation("A story", tags=["stories"], responses={200: STORY})
@require_role("editor")
def get_story(story_id):
    return story_json(stories.story_by_id(story_id))


@bp.patch("/stories/<int:story_id>")
@operation("Change a story; fields left out stay as they are", tags=["stories"],
           request={"type": "object", "properties": STORY_FIELDS, "examples": [{"status": "published"}]},
           responses={200: STORY}, errors=STORY_ERRORS)
@body_limit(STORY_JSON)
@require_role("editor")
def update_story(story_id):
    return story_json(stories.update_story(g.user, stories.story_by_id(story_id), json_body()))
