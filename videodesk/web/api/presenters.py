"""The API's JSON for videos and stories (the contract in ../shared/CONTRACT.md)."""
from flask import url_for

from videodesk.core.lifecycle.live import LiveStatus
from videodesk.core.lifecycle.states import CaptioningStatus, VideoStatus
from videodesk.core.models import LiveStream, Story, Video
from videodesk.core.settings import current_settings
from videodesk.web.filters import section_slug
from videodesk.web.live_views import caption_tracks, ingest_urls, live_url
from videodesk.web.openapi import component
from videodesk.web.views import URL_FIELDS, video_view


def signed_urls(video: Video) -> dict | None:
    """For a private video: the same URLs, signed, so a player without the token (another browser, an
    HLS player that sends no headers) can preview it until they expire."""
    if video.is_public:
        return None
    view = video_view(video, signed=True)
    return {"expires_in": current_settings().signed_url_ttl_s, **{field: view[field] for field in URL_FIELDS},
            "captions": [{"lang": track["lang"], "url": track["url"]} for track in view["captions"]]}

STRING, INTEGER, NUMBER = {"type": "string"}, {"type": "integer"}, {"type": "number"}
NULLABLE_STRING, NULLABLE_INTEGER, NULLABLE_NUMBER = ({"type": ["string", "null"]}, {"type": ["integer", "null"]},
                                                      {"type": ["number", "null"]})
VIDEO_STATUS = {"type": "string", "enum": [status.value for status in VideoStatus]}
MEDIA_URL = {"type": ["string", "null"],
             "description": "A same-host path, or an absolute URL (object store or CDN); null until made."}


def _object(properties: dict, optional=(), **extra) -> dict:
    """A closed object: every field but the `optional` ones is always sent, and a field the schema does not
    name fails the API tests (tests/test_openapi.py), so the document cannot fall behind the JSON."""
    return {"type": "object", "required": [name for name in properties if name not in optional],
            "additionalProperties": False, "properties": properties, **extra}


SECONDS = {"type": "number", "minimum": 0}
CHAPTER = component("Chapter", _object({"start": SECONDS, "title": {"type": "string", "minLength": 1, "maxLength": 100}},
                                       examples=[{"start": 0, "title": "Intro"}, {"start": 90, "title": "Weather"}]))

CAPTION_TRACK = component("CaptionTrack", _object({
    "id": INTEGER, "lang": {"type": "string", "description": "BCP 47 tag"}, "label": NULLABLE_STRING,
    "kind": {"type": "string", "examples": ["captions"]},
    "source": {"type": "string", "enum": ["upload", "embedded", "auto"]},
    "url": MEDIA_URL, "versions": {"type": "integer", "minimum": 1},
    "translated_from": {"type": ["string", "null"],
                        "description": "The spoken language of a machine translation (BCP 47); null for other tracks."},
    "reviewed": {"type": "boolean", "description": "A person made it or vouched for it: readers get it by default."},
    "reviewed_by": {"type": ["string", "null"], "description": "Who reviewed an automatic track."},
    "reviewed_at": {"type": ["string", "null"], "format": "date-time"},
    "cues": {"type": "array", "description": "Only with `?cues=1`.", "items": _object(
        {"start": NUMBER, "end": NUMBER, "text": STRING})},
}, optional=["cues"], examples=[
    {"id": 3, "lang": "en", "label": "English", "kind": "captions", "source": "upload",
     "url": "/media/k2v7q9x1/captions-en.vtt", "versions": 1, "translated_from": None, "reviewed": True,
     "reviewed_by": None, "reviewed_at": None},
    {"id": 4, "lang": "en", "label": "English (translated from French)", "kind": "captions", "source": "auto",
     "url": "/media/k2v7q9x1/captions-en-from-fr-3f9a.vtt", "versions": 1, "translated_from": "fr",
     "reviewed": True, "reviewed_by": "Ana Editor", "reviewed_at": "2026-11-26T10:00:00+00:00"}]))

AUDIO_TRACK = component("AudioTrack", _object({
    "id": INTEGER, "lang": {"type": "string", "description": "BCP 47 tag of the spoken language ('und': not known)"},
    "label": {"type": "string", "description": "The name players show."},
    "kind": {"type": "string", "enum": ["main", "dub", "description", "commentary"],
             "description": "description: audio description (offered, never chosen by players on their own)."},
    "default": {"type": "boolean", "description": "The track players start with: the video's own sound."},
    "url": {**MEDIA_URL, "description": "The track's HLS media playlist (AAC); the master lists it as EXT-X-MEDIA."},
    "mp4_url": {**MEDIA_URL, "description": "The web MP4 with this track's sound, once asked for "
                "(POST .../audio/<id>/mp4); null before. The video's mp4_url has the main track."},
}, examples=[{"id": 1, "lang": "en", "label": "English", "kind": "main", "default": True,
              "url": "/media/k2v7q9x1/hls/audio/index.m3u8", "mp4_url": None},
             {"id": 2, "lang": "en", "label": "English (audio description)", "kind": "description", "default": False,
              "url": "/media/k2v7q9x1/hls/audio-3f9a2c/index.m3u8", "mp4_url": "/media/k2v7q9x1/video-en-9c1d.mp4"}]))

CAPTIONING = {"oneOf": [{"type": "null"}, _object({
    "status": {"type": "string", "enum": [status.value for status in CaptioningStatus]},
    "progress": {"type": "number", "minimum": 0, "maximum": 1},
    "error": {"type": ["string", "null"], "description": "Why the job failed, in words."},
    "language": {"type": ["string", "null"], "description": "The spoken language Whisper detected (once it has)."},
    "transcribed_until": {"type": "number", "minimum": 0, "description": (
        "Seconds of the video transcribed so far: the automatic track and search cover [0, this) while "
        "it grows.")}})],
    "description": "The automatic-captions job (docs/CAPTIONS.md); null for a video without sound.",
    "examples": [{"status": CaptioningStatus.RUNNING.value, "progress": 0.4, "error": None, "language": "en", "transcribed_until": 212.5}]}

VIDEO = component("Video", _object({
    "id": STRING, "title": STRING,
    "status": VIDEO_STATUS,
    "status_text": {"type": "string", "description": "The status in words, as the studio shows it "
                    "(\"Processing 42% · playable\", \"Failed: <why>\")."},
    "active": {"type": "boolean", "description": "Still waiting or being processed: worth polling."},
    "playable": {"type": "boolean", "description": "hls_url and mp4_url play in a browser: the quick version "
                 "while processing (the video.playable webhook), then the full ladder when ready."},
    "progress": {"type": "number", "minimum": 0, "maximum": 1},
    "error": {"type": ["string", "null"], "description": "Why processing failed, in words."},
    "duration": NULLABLE_NUMBER, "width": NULLABLE_INTEGER, "height": NULLABLE_INTEGER,
    **{name: MEDIA_URL for name in ("poster_url", "mp4_url", "hls_url", "storyboard_url", "preview_url",
                                    "preview_webp_url", "storyboard_image_url")},
    "posters": {"type": "array", "description": "Largest first, for srcset.", "items": _object(
        {"width": INTEGER, "height": INTEGER, "jpeg_url": STRING, "webp_url": MEDIA_URL})},
    "captions": {"type": "array", "items": CAPTION_TRACK},
    "audio": {"type": "array", "items": AUDIO_TRACK, "description": "One per audio track, the default first; "
              "[] before processing finished or without sound (docs/AUDIO.md)."},
    "attribution": {"type": ["object", "null"], "description": "Imports: title, uploader, license, ..."},
    "credit_url": {**NULLABLE_STRING, "description": "Imports: the link pages show under the video (the producer's "
                   "credit_url, else the source page without its query string)."},
    "clip_of": {"oneOf": [{"type": "null"}, _object({"id": STRING, "start": SECONDS, "end": SECONDS}),
                          _object({"live_id": STRING, "start": SECONDS, "end": SECONDS})],
                "description": "The video this clip was cut from, and the range in that video's original timeline; "
                               "or the live stream, and seconds since it started."},
    "trim": {"oneOf": [{"type": "null"}, _object({"start": SECONDS, "end": SECONDS})],
             "description": "The kept range of the original (docs/EDITING.md); null when the whole original plays."},
    "chapters": {"type": "array", "items": CHAPTER, "description": "Sorted by start; [] for none."},
    "chapters_url": {**MEDIA_URL, "description": "The WebVTT kind=\"chapters\" file; null without chapters."},
    "signed_urls": {"oneOf": [{"type": "null"}, _object({
        "expires_in": {"type": "integer", "description": "Seconds the signatures stay valid."},
        **{name: MEDIA_URL for name in URL_FIELDS},
        "captions": {"type": "array", "items": _object({"lang": STRING, "url": MEDIA_URL})}})],
        "description": "A private video's media URLs, signed so any player can fetch them without a token "
                       "until they expire; null for a published video (its URLs are public)."},
    "url": {"type": "string", "description": "This video's API URL."},
    "poster_time": NULLABLE_NUMBER,
    "renditions": {"type": "array", "items": _object({"name": STRING, "width": INTEGER, "height": INTEGER})},
    "metadata": {"oneOf": [{"type": "null"}, _object({
        "duration": NUMBER, "width": INTEGER, "height": INTEGER, "display_aspect": STRING, "rotation": INTEGER,
        "frame_rate": NUMBER, "video_codec": STRING, "audio_codec": NULLABLE_STRING, "bit_rate": NULLABLE_INTEGER,
        "has_audio": {"type": "boolean"}, "container": STRING,
        "loudness": {"oneOf": [{"type": "null"}, _object({
            "input_i": NUMBER, "input_tp": NUMBER, "input_lra": NUMBER,
            "target_i": NULLABLE_NUMBER, "target_tp": NULLABLE_NUMBER})]}})],
        "description": "What the probe found in the source; null before it ran."},
    "processed_by": {"type": ["string", "null"], "description": "host:pid of the worker"},
    "edit_errors": _object({"poster": NULLABLE_STRING, "social_cut": NULLABLE_STRING},
                           description="Why the last poster or social cut job failed (null: it did not); the "
                                       "video stays ready, and `error` is only about processing."),
    "captioning": CAPTIONING,
    "captioning_text": {"type": ["string", "null"], "description": "The automatic-captions job in words."},
    "captioning_active": {"type": "boolean", "description": "The automatic-captions job waits or runs."},
    "social_cuts": {"type": "object", "additionalProperties": MEDIA_URL, "description": "{aspect: url}"},
    "source": _object({"kind": {"type": "string", "enum": ["upload", "url", "clip", "live"],
                                "description": "clip: cut from `clip_of`; live: a live stream's recording."}, "name": NULLABLE_STRING,
                       "url": NULLABLE_STRING, "size": NULLABLE_INTEGER, "sha256": NULLABLE_STRING}),
    "created_at": {"type": ["string", "null"], "format": "date-time"},
    "watch": {"type": "object", "additionalProperties": INTEGER,
              "description": "Anonymous player events (play, q25...q100, error); only on GET."},
}, optional=["watch"]))

STORY = component("Story", _object({
    "id": INTEGER, "slug": STRING, "url": STRING, "section_url": STRING, "headline": STRING, "dek": STRING,
    "body": {"type": "string", "description": "Markdown"}, "byline": STRING, "section": STRING,
    "language": STRING, "status": {"type": "string", "enum": ["draft", "published"]},
    "published_at": {"type": ["string", "null"], "format": "date-time"},
    "video_id": NULLABLE_STRING, "live_id": NULLABLE_STRING, "video_position": NULLABLE_INTEGER,
    "scheduled": {"type": "boolean", "description": "Published with a future published_at."},
    "created_at": {"type": ["string", "null"], "format": "date-time"},
    "updated_at": {"type": ["string", "null"], "format": "date-time"},
}))


def video_json(video: Video) -> dict:
    return {
        **video_view(video, detail=True),
        "signed_urls": signed_urls(video),
        "source": {"kind": video.source_kind, "name": video.source_name, "url": video.source_url,
                   "size": video.source_size, "sha256": video.source_sha256},
        "created_at": video.created_at.isoformat() if video.created_at else None,
    }


def story_json(story: Story) -> dict:
    return {
        "id": story.id,
        "slug": story.slug,
        "url": url_for("public.story", slug=story.slug),
        "section_url": url_for("public.section", slug=section_slug(story.section)),
        "headline": story.headline,
        "dek": story.dek,
        "body": story.body,
        "byline": story.byline,
        "section": story.section,
        "language": story.language,
        "status": story.status,
        "published_at": story.published_at.isoformat() if story.published_at else None,
        "video_id": story.video_id,
        "live_id": story.live_id,
        "video_position": story.video_position,
        "scheduled": story.is_scheduled,
        "created_at": story.created_at.isoformat() if story.created_at else None,
        "updated_at": story.updated_at.isoformat() if story.updated_at else None,
    }



# Playback analytics (newsroom/playback/report.py; docs/ANALYTICS.md defines each figure).
RATIO = {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": "null when there is nothing to divide by"}
_QUALITY = {
    "views": INTEGER, "plays": INTEGER, "watch_time_s": NUMBER,
    "startup_ms": _object({"p50": NULLABLE_NUMBER, "p95": NULLABLE_NUMBER},
                          description="Time to first frame from the play intent, from the startup histogram."),
    "startup_score": {**RATIO, "description": "Mean of 8/(8+s) over plays (Mux's startup score); null without plays."},
    "rebuffer_ratio": {**RATIO, "description": "stall time / (watch time + stall time)"},
    "stalls": INTEGER, "stall_time_s": NUMBER,
    "exits_before_start": INTEGER, "errors": INTEGER,
    "error_rate": {**RATIO, "description": "views with a playback error / views"},
}
_PERIOD = {"from": {"type": "string", "format": "date-time"}, "to": {"type": "string", "format": "date-time"}}
_REACH = _object({"views": INTEGER, "plays": INTEGER, "watch_time_s": NUMBER})
PLAYBACK_REPORT = component("PlaybackReport", _object({
    **_PERIOD, **_QUALITY,
    "retention": {"type": "array", "minItems": 100, "maxItems": 100, "items": {"type": "number", "minimum": 0, "maximum": 1},
                  "description": "Entry i: the share of plays that saw the i-th percent of the video."},
    "by_day": {"type": "array", "items": _object({"day": {"type": "string", "format": "date"}, **_QUALITY}),
               "description": "Every UTC day of the period, oldest first."},
    "by_surface": _object({"article": _REACH, "watch": _REACH, "embed": _REACH}),
    "renditions": {"type": "array", "items": _object({"height": INTEGER, "watch_share": NUMBER}),
                   "description": "Share of the watch time at each picture height, tallest first."},
}))
_RANKED_VIDEO = _object({"id": STRING, "title": STRING, "views": INTEGER, "plays": INTEGER, "completion": RATIO})
_RANKED_STORY = _object({"id": INTEGER, "slug": STRING, "headline": STRING, "video_id": STRING, "views": INTEGER,
                         "completion": RATIO})
PLAYBACK_RANKING = component("PlaybackRanking", _object({
    **_PERIOD,
    "videos": _object({"by_views": {"type": "array", "items": _RANKED_VIDEO},
                       "by_completion": {"type": "array", "items": _RANKED_VIDEO}}),
    "stories": _object({"by_views": {"type": "array", "items": _RANKED_STORY},
                        "by_completion": {"type": "array", "items": _RANKED_STORY}}),
}))

NULLABLE_MOMENT = {"type": ["string", "null"], "format": "date-time"}
LIVE_STREAM = component("LiveStream", _object({
    "id": STRING, "title": STRING,
    "status": {"type": "string", "enum": [str(status) for status in LiveStatus],
               "description": "idle until the encoder first publishes, live (also while it reconnects), ended."},
    "ingest": _object({"rtmp_url": STRING, "srt_url": STRING, "stream_key": {
        "type": "string", "description": "Secret: whoever has it can publish. reset-key replaces it."}}),
    "hls_url": {"type": "string", "description": "The live HLS (an EVENT playlist: the whole event so far)."},
    "url": {"type": "string", "description": "This stream's API URL."},
    "connected": {"type": "boolean", "description": "An encoder is publishing now."},
    "started_at": NULLABLE_MOMENT, "ended_at": NULLABLE_MOMENT,
    "ended_reason": {"type": ["string", "null"], "description": "Why it ended, in words."},
    "duration": {"type": "number", "minimum": 0, "description": "Seconds of the event packaged so far."},
    "captions": {"type": "array", "items": _object({
        "lang": STRING, "label": STRING, "kind": STRING, "source": {"const": "auto"}, "url": STRING}),
        "description": "The live automatic captions (WebVTT, growing while the stream runs)."},
    "video_id": {"type": ["string", "null"], "description": "The recording, once the stream has ended."},
    "created_at": NULLABLE_MOMENT,
}, examples=[{"id": "q8r2k3m4n5b6v7c8x9z0", "title": "Mayor's press conference", "status": "idle",
              "ingest": {"rtmp_url": "rtmp://127.0.0.1:1935/live/7dVq3...", "srt_url":
                         "srt://127.0.0.1:9000?streamid=7dVq3...", "stream_key": "7dVq3..."},
              "hls_url": "/media/live/q8r2k3m4n5b6v7c8x9z0/master.m3u8", "url": "/api/live/q8r2k3m4n5b6v7c8x9z0",
              "connected": False, "started_at": None, "ended_at": None, "ended_reason": None, "duration": 0,
              "captions": [], "video_id": None, "created_at": "2026-12-04T10:00:00+00:00"}]))


def _iso(moment):
    return moment.isoformat() if moment else None


def live_json(stream: LiveStream) -> dict:
    return {"id": stream.id, "title": stream.title, "status": str(stream.status), "ingest": ingest_urls(stream),
            "hls_url": live_url(stream, "master.m3u8"), "url": url_for("api.get_live", live_id=stream.id),
            "connected": stream.connected_at is not None, "started_at": _iso(stream.started_at),
            "ended_at": _iso(stream.ended_at), "ended_reason": stream.ended_reason,
            "duration": round(stream.duration or 0.0, 3), "captions": caption_tracks(stream),
            "video_id": stream.video_id, "created_at": _iso(stream.created_at)}
