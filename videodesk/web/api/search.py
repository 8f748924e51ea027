"""Find the quote: caption and transcript cues that contain the words searched for."""
from flask import g, request

from videodesk.newsroom import live, search
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.api.presenters import NUMBER, STRING
from videodesk.web.openapi import component, operation, query

QUOTE = component("Quote", {
    "type": "object", "required": ["video_id", "title", "track_id", "lang", "start", "end", "text"],
    "additionalProperties": False,
    "properties": {"video_id": {"type": ["string", "null"], "description": "null for a live stream's cue"},
                   "live_id": {"type": "string", "description": "Only on cues of a live stream's captions; "
                               "start and end are then seconds since the stream started."},
                   "title": STRING, "track_id": {"type": ["integer", "null"]},
                   "lang": {"type": "string", "description": "The caption track's BCP 47 tag"},
                   "start": {"type": "number", "description": "Seconds into the video"}, "end": NUMBER,
                   "text": {"type": "string", "description": "The cue's words (the two cues' for a match across two)"}},
    "examples": [{"video_id": "k2v7q9x1", "title": "Flood defences", "track_id": 3, "lang": "en", "start": 12.4,
                  "end": 15.9, "text": "The barrier closed at dawn."}]})


@bp.get("/search")
@operation("Find the quote: where the words were said, also across two cues and while transcription runs",
           tags=["captions"], parameters=[
    query("q", {"type": "string", "maxLength": search.MAX_QUERY, "examples": ["barrier closed"]},
          f"Words to find (at most {search.MAX_WORDS}; stemmed, English stop words optional, exact phrases first; "
          "search syntax is just text).", required=True)],
    responses={200: {"type": "object", "required": ["results"], "additionalProperties": False,
                     "properties": {"results": {"type": "array", "maxItems": search.LIMIT, "items": QUOTE,
                                                "description": "Best first, from the videos you may manage."}}}},
    errors=["missing_field", "invalid_field"])
@require_role("producer")
def search_cues():
    q = request.args.get("q")
    found = search.find(g.user, q)
    return {"results": found + live.find_cues(g.user, search.query_words(q), search.LIMIT - len(found))}
