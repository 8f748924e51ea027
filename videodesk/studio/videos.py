"""The video library, uploads, the video page and the dashboard."""
import contextlib
from datetime import datetime, timezone

from flask import abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from .. import analytics, db, jobs, library, storage
from ..auth import can_manage_video
from ..csrf import check_csrf
from ..media.social import ASPECTS
from ..models import Story, Video
from ..presenters import video_json
from ..tasks import queue
from ..validation import is_language_tag
from . import bp, signed_in

ACCEPTED_TYPES = "video/*,.mp4,.m4v,.mov,.mkv,.webm,.avi,.mts,.m2ts,.ts,.mxf,.mpg,.flv,.wmv,.3gp"

STATUSES = ("queued", "processing", "ready", "failed")


@bp.get("/")
@signed_in()
def index():
    """The video library: search by title, filter by status, source and date."""
    user = g.studio_user
    query = select(Video).order_by(Video.created_at.desc()).limit(100)
    if not user.has_role("editor"):
        query = query.where(Video.owner_id == user.id)
    filters = {key: request.args.get(key, "").replace("\x00", "").strip() for key in ("q", "status", "source", "since")}
    if filters["q"]:
        query = query.where(Video.title.icontains(filters["q"], autoescape=True))
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
    back = request.form.get("next", "")
    # Only back to a studio page: a form field must not turn this into an open redirect.
    return redirect(back if back.startswith("/studio/") else url_for("studio.video_page", video_id=video.id))


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


@bp.get("/upload")
@signed_in()
def upload():
    return render_template("studio/upload.html", user=g.studio_user, accepted=ACCEPTED_TYPES,
                           max_mb=current_app.config["MAX_UPLOAD_MB"])


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
    if not is_language_tag(lang):
        abort(404)
    return render_template("studio/captions.html", user=g.studio_user, video=video_json(video), lang=lang)
