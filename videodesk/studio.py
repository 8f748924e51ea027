"""The studio for producers and editors (thin for now: sign in with an API token, see the queue)."""
from flask import Blueprint, redirect, render_template, request, session, url_for
from sqlalchemy import select

from . import analytics, db
from .auth import current_user, user_for_token
from .csrf import check_csrf
from .models import Story, Video
from .presenters import video_json

bp = Blueprint("studio", __name__, url_prefix="/studio")


@bp.get("/")
def index():
    user = current_user()
    if user is None:
        return redirect(url_for("studio.login"))
    videos = db.session().scalars(select(Video).order_by(Video.created_at.desc()).limit(50))
    if not user.has_role("editor"):
        videos = [v for v in videos if v.owner_id == user.id]
    videos = [video_json(v) for v in videos]
    stories = db.session().scalars(select(Story).order_by(Story.updated_at.desc()).limit(50))
    return render_template("studio/index.html", user=user, videos=videos,
                           watch=analytics.totals([v["id"] for v in videos]),
                           stories=list(stories) if user.has_role("editor") else [])


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        user = user_for_token(request.form.get("token", "").strip())
        if user is not None:
            session.clear()
            session["user_id"] = user.id
            return redirect(url_for("studio.index"))
        error = "That token is not valid."
    return render_template("studio/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    check_csrf()
    session.clear()
    return redirect(url_for("public.home"))
