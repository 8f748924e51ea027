"""What templates show of a video: its media URLs, posters, captions and state. The reader pages,
the embed, the feeds and the studio render from this; the API's JSON (web/api/presenters.py)
builds on it."""
from math import gcd

from flask import url_for

from videodesk.core.models import Video


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


def video_view(video: Video, *, detail: bool = False) -> dict:
    """The player's needs; `detail` adds what the studio shows about processing."""
    outputs = video.outputs or {}
    state = video.pipeline_state or {}
    view = {
        "id": video.id,
        "title": video.title,
        "status": video.status,
        "playable": video.playable,
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
        "captions": [caption_json(track) for track in video.captions],
        "attribution": state.get("attribution"),
    }
    if detail:
        view.update({
            "url": url_for("api.get_video", video_id=video.id),  # the studio polls it for live status
            "poster_time": state.get("poster_time"),
            "renditions": [{"name": r["name"], "width": r["width"], "height": r["height"]}
                           for r in state.get("renditions", [])],
            "metadata": source_metadata(video),
            "processed_by": video.processed_by,
            "social_cuts": {aspect: media_url(video, name) for aspect, name in outputs.get("social", {}).items()},
        })
    return view
