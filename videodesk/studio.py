"""The studio for producers and editors: sign in with an API token, the video list with live
progress, resumable uploads and URL imports, and a story form."""
import contextlib
import functools
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy import func, select

from . import analytics, audit, db, jobs, library, logins, storage
from .auth import can_manage_video, current_user, issue_token, user_for_token
from .csrf import check_csrf
from .errors import ApiError
from .media.social import ASPECTS
from .models import ROLES, Story, StoryRevision, User, Video, utcnow
from .passwords import hash_password, verify_password
from .presenters import video_json
from .public import render_article
from .rendering import render_markdown
from .stories import create_story, restore, revisions, update_story
from .tasks import queue

bp = Blueprint("studio", __name__, url_prefix="/studio")
ACCEPTED_TYPES = "video/*,.mp4,.m4v,.mov,.mkv,.webm,.avi,.mts,.m2ts,.ts,.mxf,.mpg,.flv,.wmv,.3gp"


def signed_in(role: str = "producer"):
    """Studio pages: sign in first; a role too low for the page is a 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("studio.login"))
            if not user.has_role(role):
                abort(403, f"This page needs the {role} role.")
            g.studio_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


STATUSES = ("queued", "processing", "ready", "failed")


@bp.get("/")
@signed_in()
def index():
    """The video library: search by title, filter by status, source and date."""
    user = g.studio_user
    query = select(Video).order_by(Video.created_at.desc()).limit(100)
    if not user.has_role("editor"):
        query = query.where(Video.owner_id == user.id)
    filters = {key: request.args.get(key, "").strip() for key in ("q", "status", "source", "since")}
    if filters["q"]:
        query = query.where(Video.title.ilike(f"%{filters['q']}%"))
    if filters["status"] in STATUSES:
        query = query.where(Video.status == filters["status"])
    if filters["source"] in ("upload", "url"):
        query = query.where(Video.source_kind == filters["source"])
    with contextlib.suppress(ValueError):
        if filters["since"]:
            query = query.where(Video.created_at >= datetime.fromisoformat(filters["since"]).replace(tzinfo=timezone.utc))
    videos = [video_json(v) for v in db.session().scalars(query)]
    stories = db.session().scalars(select(Story).order_by(Story.updated_at.desc()).limit(50))
    return render_template("studio/index.html", user=user, videos=videos, filters=filters, statuses=STATUSES,
                           watch=analytics.totals([v["id"] for v in videos]),
                           stories=list(stories) if user.has_role("editor") else [])


@bp.get("/dashboard")
@signed_in("editor")
def dashboard():
    """Queue status and disk usage for the desk."""
    counts = dict(db.session().execute(select(Video.status, func.count()).group_by(Video.status)).all())
    failed = db.session().scalars(select(Video).where(Video.status == "failed").order_by(Video.updated_at.desc()).limit(50))
    running = db.session().scalars(select(Video).where(Video.status == "processing"))
    return render_template("studio/dashboard.html", user=g.studio_user, counts=counts, statuses=STATUSES,
                           failed=[video_json(v) for v in failed], running=[video_json(v) for v in running],
                           disk={name: storage.folder_size(storage.data_dir() / name) for name in ("media", "uploads", "resumable")})


@bp.post("/videos/<video_id>/reprocess")
@signed_in()
def reprocess(video_id):
    check_csrf()
    video = _studio_video(video_id)
    if video.status not in ("queued", "processing"):
        jobs.reset_for_reprocessing(video)
        db.session().commit()
        queue().process_video(video.id)
    return redirect(request.form.get("next") or url_for("studio.video_page", video_id=video.id))


@bp.route("/videos/<video_id>/delete", methods=["GET", "POST"])
@signed_in()
def delete(video_id):
    video = _studio_video(video_id)
    if request.method == "POST":
        check_csrf()
        library.delete_video(video, g.studio_user)
        return redirect(url_for("studio.index"))
    return render_template("studio/delete.html", user=g.studio_user, video=video_json(video),
                           stories=[s for s in video.stories])


def _start_session(user):
    session.clear()  # a new session id on sign-in: no fixation
    session["user_id"] = user.id
    return redirect(url_for("studio.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        address = request.remote_addr or "unknown"
        if "token" in request.form:
            name = "token"
            user = None if logins.locked(name, address) else user_for_token(request.form["token"].strip())
        else:
            name = request.form.get("name", "").strip()
            user = None
            if not logins.locked(name, address):
                candidate = db.session().scalar(select(User).where(User.name == name)) if name else None
                # The hash is checked even for unknown names, so timing tells nothing either.
                if verify_password(candidate.password_hash if candidate else None, request.form.get("password", "")):
                    user = candidate
        if user is not None:
            logins.succeeded(name)
            return _start_session(user)
        if not logins.locked(name, address):
            logins.failed(name, address)
        error = logins.PAUSED if logins.locked(name, address) else logins.FAILED
    status = 429 if error == logins.PAUSED else 401 if error else 200
    return render_template("studio/login.html", error=error), status


@bp.post("/logout")
def logout():
    check_csrf()
    session.clear()
    return redirect(url_for("public.home"))


@bp.get("/upload")
@signed_in()
def upload():
    return render_template("studio/upload.html", user=g.studio_user, accepted=ACCEPTED_TYPES,
                           max_mb=current_app.config["MAX_UPLOAD_MB"])


@bp.route("/stories/new", methods=["GET", "POST"])
@signed_in("editor")
def new_story():
    form = request.form if request.method == "POST" else {"video_id": request.args.get("video_id", "")}
    error = None
    if request.method == "POST":
        check_csrf()
        data = {key: form.get(key, "") for key in ("headline", "dek", "body", "byline", "section", "video_id")}
        data["section"] = data["section"] or "Top News Video"
        data["status"] = "published" if form.get("publish") else "draft"
        try:
            story = create_story(g.studio_user, data)
        except ApiError as exc:
            error = exc.message
        else:
            if story.is_live:
                return redirect(url_for("public.story", slug=story.slug))
            return redirect(url_for("studio.index"))
    video = db.session().get(Video, form.get("video_id") or "")
    return render_template("studio/story_form.html", user=g.studio_user, form=form, error=error,
                           video=video_json(video) if video else None), 400 if error else 200


def _studio_video(video_id: str) -> Video:
    video = db.session().get(Video, video_id)
    if video is None or not can_manage_video(g.studio_user, video):
        abort(404)
    return video


@bp.get("/videos/<video_id>")
@signed_in()
def video_page(video_id):
    video = _studio_video(video_id)
    return render_template("studio/video.html", user=g.studio_user, video=video_json(video),
                           aspects=list(ASPECTS))


@bp.get("/videos/<video_id>/captions/<lang>")
@signed_in()
def caption_editor(video_id, lang):
    video = _studio_video(video_id)
    return render_template("studio/captions.html", user=g.studio_user, video=video_json(video), lang=lang)


@bp.get("/audit")
@signed_in("editor")
def audit_log():
    return render_template("studio/audit.html", user=g.studio_user, events=audit.recent())


def _studio_story(story_id: int) -> Story:
    story = db.session().get(Story, story_id)
    if story is None:
        abort(404)
    return story


EDITOR_FIELDS = ("headline", "dek", "body", "byline", "section", "video_id")


@bp.route("/stories/<int:story_id>", methods=["GET", "POST"])
@signed_in("editor")
def edit_story(story_id):
    """The story editor: text, video and its placement, draft/publish/schedule/unpublish."""
    story = _studio_story(story_id)
    error = notice = None
    if request.method == "POST":
        check_csrf()
        form = request.form
        data = {field: form.get(field, "") for field in EDITOR_FIELDS}
        position = form.get("video_position", "")
        data["video_position"] = int(position) if position.isdigit() else None
        action = form.get("action", "save")
        if action == "publish":
            data.update(status="published", published_at=utcnow().isoformat())
        elif action == "schedule":
            data.update(status="published", published_at=form.get("publish_at") or None)
        elif action == "unpublish":
            data["status"] = "draft"
        try:
            update_story(g.studio_user, story, data)
            notice = "Saved."
        except ApiError as exc:
            db.session().rollback()
            error = exc.message
    videos = db.session().scalars(select(Video).where(Video.status != "failed").order_by(Video.created_at.desc()).limit(200))
    return render_template("studio/story_editor.html", user=g.studio_user, story=story, error=error, notice=notice,
                           paragraphs=story.body.count("\n\n") + 1, videos=list(videos),
                           revisions=revisions(story)), 400 if error else 200


@bp.post("/preview")
@signed_in("editor")
def preview_markdown():
    """Live preview of the body, sanitized exactly as readers will get it."""
    return {"html": str(render_markdown(request.get_json(silent=True, force=True).get("body", "") or ""))}


@bp.get("/stories/<int:story_id>/preview")
@signed_in("editor")
def preview_story(story_id):
    return render_article(_studio_story(story_id), preview=True)


@bp.post("/stories/<int:story_id>/revisions/<int:revision_id>/restore")
@signed_in("editor")
def restore_revision(story_id, revision_id):
    check_csrf()
    story = _studio_story(story_id)
    revision = db.session().get(StoryRevision, revision_id)
    if revision is None or revision.story_id != story.id:
        abort(404)
    restore(g.studio_user, story, revision)
    return redirect(url_for("studio.edit_story", story_id=story.id))


@bp.route("/users", methods=["GET", "POST"])
@signed_in("admin")
def users():
    """Admins create users, change roles, set passwords, issue and revoke API tokens."""
    error = new_token = None
    if request.method == "POST":
        check_csrf()
        form = request.form
        name, role, action = form.get("name", "").strip(), form.get("role", ""), form.get("action", "")
        user = db.session().scalar(select(User).where(User.name == name)) if name else None
        if role and role not in ROLES:
            error = "Unknown role."
        elif action == "create" and (not name or user is not None):
            error = "Give a new, unused name."
        elif action != "create" and user is None:
            error = "No such user."
        elif action == "create":
            user = User(name=name[:120], role=role or "producer")
            db.session().add(user)
            audit.record(g.studio_user, "user_create", f"user:{user.name}", role=user.role)
        elif action == "role" and role != user.role:
            audit.record(g.studio_user, "role_change", f"user:{user.name}", old=user.role, new=role)
            user.role = role
        elif action == "token":
            new_token = issue_token(user)
        elif action == "revoke":
            user.tokens.clear()
            audit.record(g.studio_user, "tokens_revoked", f"user:{user.name}")
        if not error and form.get("password"):
            if len(form["password"]) < 10:
                error = "Passwords need at least 10 characters."
            else:
                user.password_hash = hash_password(form["password"])
        if error:
            db.session().rollback()
        else:
            db.session().commit()
    people = db.session().scalars(select(User).order_by(User.name))
    config = current_app.config
    settings = {name: config[key] for name, key in SHOWN_SETTINGS.items()}
    return render_template("studio/users.html", user=g.studio_user, people=list(people), roles=ROLES,
                           error=error, new_token=new_token, settings=settings), 400 if error else 200


# What admins see of the instance's configuration (set through the environment; secrets never shown).
SHOWN_SETTINGS = {
    "Data folder (VIDEODESK_DATA)": "DATA_DIR", "Queue (VIDEODESK_REDIS_URL)": "REDIS_URL",
    "Upload limit, MB (VIDEODESK_MAX_UPLOAD_MB)": "MAX_UPLOAD_MB", "Longest clip, s (VIDEODESK_MAX_DURATION_S)": "MAX_DURATION_S",
    "Loudness target": "LOUDNESS_TARGET", "Imports from private addresses": "IMPORT_ALLOW_PRIVATE",
    "Imports per user and hour": "IMPORT_RATE_PER_HOUR", "Resumable upload expiry, h": "UPLOAD_EXPIRY_H",
    "Whisper model": "WHISPER_MODEL", "Secure cookies": "SESSION_COOKIE_SECURE", "Jobs per worker": "WORKERS",
}
