"""The studio's live streams: a list with a form to create one, and a page per stream (ingest URLs
with copy buttons, status, preview, clip in/out, end). The page acts through the JSON API
(static/studio-live.js), like the video page."""
from flask import g, redirect, render_template, request, url_for

from videodesk.newsroom import live
from videodesk.web.access import require_role
from videodesk.web.live_views import ingest_urls, live_view
from videodesk.web.studio import bp


@bp.get("/live")
@require_role("producer")
def live_list():
    return render_template("studio/live_list.html", user=g.user, streams=live.streams_visible_to(g.user))


@bp.post("/live")
@require_role("producer")
def create_live():
    stream = live.create(g.user, {"title": request.form.get("title", "")})
    return redirect(url_for("studio.live_page", live_id=stream.id), 303)


@bp.get("/live/<live_id>")
@require_role("producer")
def live_page(live_id):
    stream = live.stream_for(g.user, live_id)
    return render_template("studio/live.html", user=g.user, stream=stream, ingest=ingest_urls(stream),
                           live=live_view(stream), api_url=url_for("api.get_live", live_id=stream.id))
