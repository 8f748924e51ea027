"""Stories: create, read and update; publishing stamps published_at."""
from .. import db
from ..auth import current_user, require_role
from ..errors import ApiError
from ..models import Story
from ..presenters import story_json
from ..stories import create_story as create, update_story as update
from . import bp
from ..validation import json_body


def _load(story_id: int) -> Story:
    story = db.session().get(Story, story_id)
    if story is None:
        raise ApiError(404, "not_found", "No such story.")
    return story


@bp.post("/stories")
@require_role("editor")
def create_story():
    story = create(current_user(), json_body())
    data = story_json(story)
    return {"id": story.id, "slug": story.slug, "url": data["url"]}, 201


@bp.get("/stories/<int:story_id>")
@require_role("editor")
def get_story(story_id):
    return story_json(_load(story_id))


@bp.patch("/stories/<int:story_id>")
@require_role("editor")
def update_story(story_id):
    return story_json(update(current_user(), _load(story_id), json_body()))
