"""Caption review: an editor vouches for an automatic track, so readers get it by default."""
from flask import g

from videodesk.auth.access import CAPTION_REVIEWER
from videodesk.core.validation import language_tag
from videodesk.newsroom import library
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import CAPTION_TRACK
from videodesk.web.openapi import operation
from videodesk.web.views import caption_json


@bp.post("/videos/<video_id>/captions/<lang>/review")
@operation("Mark a language's automatic captions reviewed", tags=["captions"], responses={200: CAPTION_TRACK},
           errors=["invalid_field"])
@require_role(CAPTION_REVIEWER)
def review_captions(video_id, lang):
    """The language's automatic track (else its only track) becomes `reviewed`: readers get it by default
    and its label loses "auto-generated". Editors only (403 for producers); 404 when the video has no
    track in that language."""
    video = library.video_for(g.user, video_id)
    track = library.review_captions(video, language_tag(lang), g.user)
    return caption_json(track)
