"""Caption review: an editor vouches for an automatic track, so readers get it by default."""
from flask import g

from videodesk.core.validation import language_tag
from videodesk.newsroom import library
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.views import caption_json


@bp.post("/videos/<video_id>/captions/<lang>/review")
@require_role("producer")
def review_captions(video_id, lang):
    video = library.video_for(g.user, video_id)
    track = library.review_captions(video, language_tag(lang), g.user)
    return caption_json(track)
