"""Every change a request makes to a video on a live page is in the audit log, declared once here
rather than in each view: any unsafe request to a route under a video (`<video_id>` in its URL)
records a `video_change` event named after the route (trim, put_chapters, choose_poster,
reprocess, edit_captions, review_captions, ...) when a live story uses the video
(`newsroom.audit.video_change_with_next_commit`). The event is saved by the commit that saves the
change (`db.add_with_next_commit`); after a view that only queued work, this module commits it;
a refused request (4xx/5xx) leaves none."""
from flask import request

from videodesk.core import db
from videodesk.core.models import Video
from videodesk.newsroom import audit
from videodesk.web.access import SAFE_METHODS, current_user

# Routes under a video that do not change its page: a clip is a new video (on a story, whose own
# publication is audited); a deletion has its own entry.
NOT_CHANGES = frozenset({"api.create_clip", "studio.clip_to_story", "api.delete_video", "studio.delete"})


def _note_change():
    if request.method in SAFE_METHODS or request.endpoint in NOT_CHANGES:
        return
    video_id = (request.view_args or {}).get("video_id")
    user = current_user() if video_id else None
    video = db.session().get(Video, video_id) if user is not None else None
    if video is not None:
        detail = {name: value for name, value in request.view_args.items() if name != "video_id"}
        audit.video_change_with_next_commit(user, video, request.endpoint.rpartition(".")[2], **detail)


def _save_or_drop(response):
    """Rows waiting for the change's commit (audit entries, counted job requests): saved after a view
    that only queued work, dropped with a refused request."""
    if db.waiting_for_commit():
        if response.status_code >= 400:
            db.drop_waiting()
        else:
            db.session().commit()
    return response


def init_app(app):
    app.before_request(_note_change)
    app.after_request(_save_or_drop)
