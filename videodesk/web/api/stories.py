"""Stories: create, read and update; publishing stamps published_at."""
from flask import g

from videodesk.newsroom import stories
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import story_json
from videodesk.web.requests import STORY, body_limit, json_body


@bp.post("/stories")
@body_limit(STORY)
@require_role("editor")
def create_story():
    story = stories.create_story(g.user, json_body())
    return {"id": story.id, "slug": story.slug, "url": story_json(story)["url"]}, 201


@bp.get("/stories/<int:story_id>")
@require_role("editor")
def get_story(story_id):
    return story_json(stories.story_by_id(story_id))


@bp.patch("/stories/<int:story_id>")
@body_limit(STORY)
@require_role("editor")
def update_story(story_id):
    return story_json(stories.update_story(g.user, stories.story_by_id(story_id), json_body()))
