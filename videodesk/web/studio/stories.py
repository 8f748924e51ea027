"""Writing stories: the new-story form, the editor, previews and revisions."""
from flask import abort, g, redirect, render_template, request, url_for

from videodesk.core import db
from videodesk.core.errors import DomainError
from videodesk.core.models import StoryRevision, Video, utcnow
from videodesk.core.text import whole_number
from videodesk.newsroom.stories import REVISIONS_LISTED, create_story, restore, revisions, story_by_id, update_story
from videodesk.web.access import require_role
from videodesk.web.csrf import check_csrf
from videodesk.web.reader.article import render_article
from videodesk.web.reader.markdown import render_markdown
from videodesk.web.studio import bp
from videodesk.web.views import video_view

# The story text fields both forms post (the new-story page and the editor).
EDITOR_FIELDS = ("headline", "dek", "body", "byline", "section", "video_id")


@bp.route("/stories/new", methods=["GET", "POST"])
@require_role("editor")
def new_story():
    form = request.form if request.method == "POST" else {"video_id": request.args.get("video_id", "")}
    error = None
    if request.method == "POST":
        check_csrf()
        data = {field: form.get(field, "") for field in EDITOR_FIELDS}
        data["status"] = "published" if form.get("publish") else "draft"
        try:
            story = create_story(g.user, data)
        except DomainError as exc:
            error = exc.message
        else:
            if story.is_live:
                return redirect(url_for("public.story", slug=story.slug))
            # A draft goes on in the editor (where the clip's status keeps updating), not back to the list.
            return redirect(url_for("studio.edit_story", story_id=story.id))
    video = db.session().get(Video, form.get("video_id") or "")
    return render_template("studio/story_form.html", user=g.user, form=form, error=error,
                           picked=video_view(video, detail=True, signed=True) if video else None), 400 if error else 200


@bp.route("/stories/<int:story_id>", methods=["GET", "POST"])
@require_role("editor")
def edit_story(story_id):
    """The story editor: text, video and its placement, draft/publish/schedule/unpublish."""
    story = story_by_id(story_id)
    error = notice = None
    if request.method == "POST":
        check_csrf()
        form = request.form
        data = {field: form.get(field, "") for field in EDITOR_FIELDS}
        data["video_position"] = whole_number(form.get("video_position"))
        action = form.get("action", "save")
        if action == "publish":
            data.update(status="published", published_at=utcnow().isoformat())
        elif action == "schedule":
            data.update(status="published", published_at=form.get("publish_at") or None)
        elif action == "unpublish":
            data["status"] = "draft"
        try:
            update_story(g.user, story, data)
            notice = "Saved."
        except DomainError as exc:
            db.session().rollback()
            error = exc.message
    return render_template("studio/story_editor.html", user=g.user, story=story, error=error, notice=notice,
                           paragraphs=story.body.count("\n\n") + 1,
                           picked=video_view(story.video, detail=True) if story.video else None,
                           revisions=revisions(story), revisions_listed=REVISIONS_LISTED), 400 if error else 200


@bp.post("/preview")
@require_role("editor")
def preview_markdown():
    """Live preview of the body, sanitized exactly as readers will get it."""
    data = request.get_json(silent=True, force=True)
    body = data.get("body") if isinstance(data, dict) else None
    return {"html": str(render_markdown(body if isinstance(body, str) else ""))}


@bp.get("/stories/<int:story_id>/preview")
@require_role("editor")
def preview_story(story_id):
    return render_article(story_by_id(story_id), preview=True)


@bp.post("/stories/<int:story_id>/revisions/<int:revision_id>/restore")
@require_role("editor")
def restore_revision(story_id, revision_id):
    check_csrf()
    story = story_by_id(story_id)
    revision = db.session().get(StoryRevision, revision_id)
    if revision is None or revision.story_id != story.id:
        abort(404)
    restore(g.user, story, revision)
    return redirect(url_for("studio.edit_story", story_id=story.id))
