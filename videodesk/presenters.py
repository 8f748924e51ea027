"""How videos and stories look from outside: URLs and the JSON of the API contract."""
from email.utils import format_datetime
from math import gcd

from flask import request, url_for

from .models import Story, Video
from .slugs import slugify


def media_url(video: Video, name: str | None) -> str | None:
    return url_for("media.file", video_id=video.id, name=name) if name else None


def caption_json(track) -> dict:
    return {
        "id": track.id, "lang": track.lang, "label": track.label, "kind": track.kind,
        "source": track.source, "url": media_url(track.video, track.filename),
        "versions": len(track.history or []) + 1,
    }


def source_metadata(video: Video) -> dict | None:
    """What the probe and the loudness measurement found in the source."""
    state = video.pipeline_state or {}
    info = state.get("info")
    if not info:
        return None
    picture, sound = info["video"], info.get("audio")
    divisor = gcd(picture["display_width"], picture["display_height"]) or 1
    loudness = (state.get("loudness") or {}).get("measured")
    target = (state.get("loudness") or {}).get("target") or {}
    return {
        "duration": info["duration"], "width": picture["width"], "height": picture["height"],
        "display_aspect": f"{picture['display_width'] // divisor}:{picture['display_height'] // divisor}",
        "rotation": picture["rotation"], "frame_rate": round(picture["fps"], 3),
        "video_codec": picture["codec"], "audio_codec": sound["codec"] if sound else None,
        "bit_rate": info["bit_rate"], "has_audio": sound is not None, "container": info["format_name"],
        "loudness": {"input_i": loudness["input_i"], "input_tp": loudness["input_tp"],
                     "input_lra": loudness["input_lra"], "target_i": target.get("I"),
                     "target_tp": target.get("TP")} if loudness else None,
    }


def video_json(video: Video) -> dict:
    outputs = video.outputs or {}
    state = video.pipeline_state or {}
    return {
        "id": video.id,
        "url": url_for("api.get_video", video_id=video.id),
        "title": video.title,
        "status": video.status,
        "progress": round(video.progress or 0.0, 3),
        "error": video.error,
        "duration": video.duration,
        "width": video.width,
        "height": video.height,
        "poster_url": media_url(video, outputs.get("poster")),
        "mp4_url": media_url(video, outputs.get("mp4")),
        "hls_url": media_url(video, outputs.get("hls")),
        "storyboard_url": media_url(video, outputs.get("storyboard")),
        "preview_url": media_url(video, outputs.get("preview")),
        "preview_webp_url": media_url(video, outputs.get("preview_webp")),
        "storyboard_image_url": media_url(video, outputs.get("storyboard_image")),
        "posters": [{"width": p["width"], "height": p["height"], "jpeg_url": media_url(video, p["jpeg"]),
                     "webp_url": media_url(video, p["webp"])} for p in outputs.get("posters", [])],
        "poster_time": state.get("poster_time"),
        "renditions": [{"name": r["name"], "width": r["width"], "height": r["height"]}
                       for r in state.get("renditions", [])],
        "metadata": source_metadata(video),
        "processed_by": video.processed_by,
        "social_cuts": {aspect: media_url(video, name) for aspect, name in outputs.get("social", {}).items()},
        "captions": [caption_json(track) for track in video.captions],
        "source": {"kind": video.source_kind, "name": video.source_name, "url": video.source_url,
                   "size": video.source_size, "sha256": video.source_sha256},
        "attribution": state.get("attribution"),
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
        "video_position": story.video_position,
        "scheduled": story.is_scheduled,
        "created_at": story.created_at.isoformat() if story.created_at else None,
        "updated_at": story.updated_at.isoformat() if story.updated_at else None,
    }


def format_duration(seconds: float | None) -> str:
    """Clock-style duration for badges and lists: 0:07, 12:30, 1:02:03."""
    if not seconds:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def srcset(posters: list[dict], url_key: str) -> str:
    """`srcset` text for the poster sizes of a video."""
    return ", ".join(f"{p[url_key]} {p['width']}w" for p in posters)


def absolute(path: str | None) -> str | None:
    """An absolute URL for a path of this site (feeds, structured data and oEmbed need them)."""
    if not path:
        return None
    return request.host_url.rstrip("/") + path


def section_slug(section: str) -> str:
    return slugify(section)


def default_track(captions: list[dict], language: str) -> int | None:
    """Index of the caption track shown by default: the story's language, else the first track."""
    if not captions:
        return None
    base = language.split("-")[0].lower()
    for index, track in enumerate(captions):
        if track["lang"].split("-")[0].lower() == base:
            return index
    return 0


def rfc822(moment) -> str:
    """RSS 2.0 dates."""
    return format_datetime(moment)


def yyyymmdd(value: str) -> str:
    """yt-dlp's upload_date (20261124) as 2026-11-24."""
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isascii() and value.isdigit() else value


def filesize(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
