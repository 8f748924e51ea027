"""The video library, uploads, the video page and the dashboard."""
import contextlib
from datetime import UTC, datetime

from flask import abort, g, redirect, render_template, request, url_for
from sqlalchemy import func, select

from videodesk.auth.access import can_review_captions
from videodesk.core import db, storage
from videodesk.core.errors import Conflict, Invalid
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import Story, Video
from videodesk.core.settings import current_settings
from videodesk.core.validation import is_language_tag
from videodesk.jobs.queue import queue
from videodesk.media.social import ASPECTS
from videodesk.newsroom import clips, library, search, stories, watch_counts
from videodesk.newsroom.playback import report
from videodesk.newsroom.stories import stories_using
from videodesk.web import sharing
from videodesk.web.access import limited_work, require_role
from videodesk.web.csrf import check_csrf
from videodesk.web.studio import bp, charts
from videodesk.web.views import media_urls, status_text, video_view

ACCEPTED_TYPES = "video/*,.mp4,.m4v,.mov,.mkv,.webm,.avi,.mts,.m2ts,.ts,.mxf,.mpg,.flv,.wmv,.3gp"

STATUSES = tuple(VideoStatus)
ANALYTICS_DAYS = {"7": 7, "30": 30, "90": 90}  # the video page's choice of analytics periods


@bp.get("/")
@require_role("producer")
def index():
    """The video library: search by title, filter by status, source and date; the words searched
    for are also looked up in what the videos say (quotes link to their second)."""
    user = g.user
    filters = {key: request.args.get(key, "").replace("\x00", "").strip() for key in ("q", "status", "source", "since")}
    query = library.visible_videos_query(user, title=filters["q"], limit=100)
    if filters["status"] in STATUSES:
        query = query.where(Video.status == filters["status"])
    if filters["source"] in library.SOURCE_KINDS:
        query = query.where(Video.source_kind == filters["source"])
    with contextlib.suppress(ValueError):
        if filters["since"]:
            query = query.where(Video.created_at >= datetime.fromisoformat(filters["since"]).replace(tzinfo=UTC))
    videos = [video_view(v, detail=True, signed=True) for v in db.session().scalars(query)]
    quotes = []
    if filters["q"]:
        with contextlib.suppress(Invalid):  # punctuation only or too long: the title filter still applies
            quotes = search.find(user, filters["q"])
    stories = (list(db.session().scalars(select(Story).order_by(Story.updated_at.desc()).limit(50)))
               if user.has_role("editor") else [])
    return render_template("studio/index.html", user=user, videos=videos, filters=filters, statuses=STATUSES,
                           sources=library.SOURCE_KINDS, quotes=quotes, watch=watch_counts.totals([v["id"] for v in videos]), stories=stories)


@bp.get("/dashboard")
@require_role("editor")
def dashboard():
    """Queue status, disk usage and the most watched videos for the desk."""
    counts = dict(db.session().execute(select(Video.status, func.count()).group_by(Video.status)).all())
    failed = db.session().scalars(select(Video).where(Video.status == VideoStatus.FAILED).order_by(Video.updated_at.desc()).limit(50))
    running = db.session().scalars(select(Video).where(Video.status == VideoStatus.PROCESSING))
    return render_template("studio/dashboard.html", user=g.user, counts=counts, statuses=STATUSES,
                           failed=[video_view(v, detail=True, signed=True) for v in failed],
                           running=[video_view(v, detail=True, signed=True) for v in running],
                           disk={name: storage.folder_size(storage.data_dir() / name)
                                 for name in ("media", "uploads", "resumable")},
                           top_videos=[(label, charts.bar_shares(
                               report.ranking(g.user, report.last_days(days), limit=5)["videos"]["by_views"]))
                               for label, days in (("Last 24 hours", 1), ("Last 7 days", 7))])


@bp.post("/videos/<video_id>/reprocess")
@require_role("producer")
@limited_work("reprocess")
def reprocess(video_id):
    check_csrf()
    video = library.video_for(g.user, video_id)
    with contextlib.suppress(Conflict):  # already queued or running: nothing to do
        queue().reprocess(video)
    back = request.form.get("next", "")
    # Only back to a studio page: a form field must not turn this into an open redirect.
    return redirect(back if back.startswith("/studio/") else url_for("studio.video_page", video_id=video.id))


@bp.route("/videos/<video_id>/delete", methods=["GET", "POST"])
@require_role("producer")
def delete(video_id):
    video = library.video_for(g.user, video_id)
    if request.method == "POST":
        check_csrf()
        library.delete_video(video, g.user)
        return redirect(url_for("studio.index"))
    using, unpublished = stories_using(video, g.user)
    return render_template("studio/delete.html", user=g.user, video=video_view(video, detail=True, signed=True),
                           stories=using, unpublished=unpublished)


@bp.get("/upload")
@require_role("producer")
def upload():
    return render_template("studio/upload.html", user=g.user, accepted=ACCEPTED_TYPES,
                           max_mb=current_settings().max_upload_mb)


@bp.get("/videos/<video_id>")
@require_role("producer")
def video_page(video_id):
    video = library.video_for(g.user, video_id)
    used_in, unpublished = sharing.used_in(video, g.user)
    view = video_view(video, detail=True, signed=True)
    days = ANALYTICS_DAYS.get(request.args.get("days", ""), 7)
    figures = report.video_report(video, report.last_days(days))
    return render_template("studio/video.html", user=g.user, video=view,
                           can_review=can_review_captions(g.user), aspects=list(ASPECTS),
                           share=sharing.share_links(video), used_in=used_in,
                           unpublished=unpublished, stories=stories.recent() if g.user.has_role("editor") else [],
                           analytics=figures, analytics_days=days, charts=[
                               charts.retention_chart(figures["retention"], video.duration, view["chapters"],
                                                      view.get("poster_time")),
                               charts.views_chart(figures["by_day"]), charts.startup_chart(figures["by_day"])])


def _seconds_field(value: str | None):
    """A number from a form field; anything else is passed on for the domain rule to refuse by name."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


@bp.post("/videos/<video_id>/clip-to-story")
@require_role("editor")
@limited_work("clip")
def clip_to_story(video_id):
    """Breaking news in one action: a clip of the range on a new or existing story (docs/EDITING.md)."""
    check_csrf()
    parent = library.video_for(g.user, video_id)
    form = request.form
    clip, story = clips.clip_to_story(g.user, parent, {
        "start": _seconds_field(form.get("start")), "end": _seconds_field(form.get("end")),
        "title": form.get("title", ""), "story_id": form.get("story_id", ""), "headline": form.get("headline", ""),
        "status": form.get("status", "draft")})
    queue().process_video(clip.id)
    return redirect(url_for("studio.edit_story", story_id=story.id))


@bp.get("/videos/<video_id>/captions/<lang>")
@require_role("producer")
def caption_editor(video_id, lang):
    video = library.video_for(g.user, video_id)
    if not is_language_tag(lang):
        abort(404)
    return render_template("studio/captions.html", user=g.user, video=video_view(video, detail=True, signed=True), lang=lang,
                           can_review=can_review_captions(g.user))


@bp.get("/videos.json")
@require_role("producer")
def videos_json():
    """The story pages' video picker: matches by title (`q`) or by id (`ids`, comma-separated, for
    clips found by their spoken words), newest first."""
    title = request.args.get("q", "").replace("\x00", "").strip()[:200]
    ids = [i for i in request.args.get("ids", "").split(",") if i] if "ids" in request.args else None
    return {"videos": [picker_json(v) for v in library.videos_visible_to(g.user, title=title, ids=ids)]}


def picker_json(video) -> dict:
    """Only what a picker card shows (no captions, metadata or renditions: it is fetched as people type)."""
    url = media_urls(video, signed=True)
    outputs = video.outputs
    return {
        "id": video.id, "title": video.title, "duration": video.duration, "status": video.status,
        "progress": round(video.progress or 0.0, 3), "error": video.error,
        "playable": video.playable or video.status == VideoStatus.READY,
        "status_text": status_text(video), "active": video.status.busy,
        "poster_url": url(outputs.posters[0].jpeg) if outputs.posters else url(outputs.poster),
        "url": url_for("api.get_video", video_id=video.id),
        "page_url": url_for("studio.video_page", video_id=video.id),
    }
