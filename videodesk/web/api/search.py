"""Find the quote: caption and transcript cues that contain the words searched for."""
from flask import g, request

from videodesk.newsroom import search
from videodesk.web.access import require_role
from videodesk.web.api import bp


@bp.get("/search")
@require_role("producer")
def search_cues():
    return {"results": search.find(g.user, request.args.get("q"))}
