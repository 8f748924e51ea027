"""What templates show of a video: its media URLs, posters, captions and state. The reader pages,
the embed, the feeds and the studio render from this; the API's JSON (web/api/presenters.py)
builds on it."""
import time
from math import gcd

from flask import url_for

from videodesk.core import links, storage
from videodesk.core.lifecycle.states import Captioning, CaptioningStatus, VideoStatus
from videodesk.core.models import Video
from videodesk.core.settings import current_settings
from videodesk.media.pipeline import HLS_DIR
from videodesk.newsroom import branding
from videodesk.newsroom.library import track_label
from videodesk.objectstore import signing

# Fields of a video view that hold media URLs (the API's signed_urls repeats them, signed).
URL_FIELDS = ("poster_url", "mp4_url", "hls_url", "storyboard_url", "preview_url", "preview_webp_url",
              "storyboard_image_url")


def media_urls(video: Video, *, signed: bool = False):
    """name -> URL for one video's files. Published media whose public copy exists is read from the
    CDN when one is configured (absolute URLs); everything else through the app's /media/ path,
    or, with `signed`, a private video's through signed paths that need no cookie or token."""
    store = storage.media_store()
    public = video.is_public
    if public and video.media_public and store.media_base_url:
        def url(name):
            return store.public_url(storage.media_key(video.id, name))
    elif signed and not public:
        secret, expires = current_settings().secret_key, int(time.time()) + current_settings().signed_url_ttl_s

        def url(name):
            return signing.media_path(secret, video.id, name, expires)
    else:
        def url(name):
            return url_for("media.file", video_id=video.id, name=name)
    return lambda name: url(name) if name else None


def caption_json(track, url=None) -> dict:
    return {
        "id": track.id, "lang": track.lang, "label": track_label(track), "kind": track.kind,
        "source": track.source, "url": (url or media_urls(track.video))(track.filename),
        "versions": len(track.history or []) + 1,
        "translated_from": track.translated_from, "reviewed": track.reviewed,
        "reviewed_by": track.reviewed_by,
        "reviewed_at": track.reviewed_at.isoformat() if track.reviewed_at else None,
    }


def audio_json(track, url=None) -> dict:
    """An audio track as the API and the player see it; `url` is its rendition's media playlist."""
    url = url or media_urls(track.video)
    return {"id": track.id, "lang": track.lang, "label": track.label, "kind": track.kind,
            "default": track.is_default, "url": url(f"{HLS_DIR}/{track.folder}/index.m3u8"),
            "mp4_url": url(track.mp4_name)}


def source_metadata(video: Video) -> dict | None:
    """What the probe and the loudness measurement found in the source."""
    state = video.pipeline_state
    info = state.info
    if not info:
        return None
    picture, sound = info["video"], info.get("audio")
    divisor = gcd(picture["display_width"], picture["display_height"]) or 1
    loudness = (state.loudness or {}).get("measured")
    target = (state.loudness or {}).get("target") or {}
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


def credit_link(video: Video) -> str | None:
    """The link under an imported video: the producer's choice as given, else the source page
    (yt-dlp's page address, or the import URL) without its query string, which often holds a token."""
    if video.credit_url:
        return video.credit_url
    credit = video.pipeline_state.attribution or {}
    return links.public_link(credit.get("webpage_url") or credit.get("original_url"))


def status_text(video: Video) -> str:
    """The video's state in the studio's words: every studio page and script shows this one."""
    if video.status == VideoStatus.FAILED:
        return f"Failed: {video.error or 'no reason given'}"
    if video.status == VideoStatus.READY:
        return "Ready"
    text = ("Waiting to be processed" if video.status == VideoStatus.QUEUED
            else f"Processing {round((video.progress or 0.0) * 100)}%")
    return f"{text} · playable" if video.playable else text


def captioning_text(captioning: Captioning | None) -> str | None:
    """The automatic-captions job in the studio's words (None: there is none)."""
    if captioning is None:
        return None
    if captioning.status == CaptioningStatus.FAILED:
        return captioning.error
    if captioning.status == CaptioningStatus.DONE:
        return f"Automatic captions done{f' (speech detected: {captioning.language})' if captioning.language else ''}."
    running = f" ({round(captioning.progress * 100)}%)" if captioning.status == CaptioningStatus.RUNNING else ""
    return f"Automatic captions are being made{running}; they appear here when done."


def video_view(video: Video, *, detail: bool = False, signed: bool = False) -> dict:
    """The player's needs; `detail` adds what the studio shows about processing; `signed` makes a
    private video's URLs signed ones (the studio's preview, the API's signed_urls)."""
    outputs, state = video.outputs, video.pipeline_state
    url_of = media_urls(video, signed=signed)
    view = {
        "id": video.id,
        "title": video.title,
        "status": video.status,
        "status_text": status_text(video),
        "active": video.status.busy,
        "playable": video.playable,
        "progress": round(video.progress or 0.0, 3),
        "error": video.error,
        "duration": video.duration,
        "width": video.width,
        "height": video.height,
        "poster_url": url_of(outputs.poster),
        "mp4_url": url_of(outputs.mp4),
        "hls_url": url_of(outputs.hls),
        "storyboard_url": url_of(outputs.storyboard),
        "preview_url": url_of(outputs.preview),
        "preview_webp_url": url_of(outputs.preview_webp),
        "storyboard_image_url": url_of(outputs.storyboard_image),
        "posters": [{"width": p.width, "height": p.height, "jpeg_url": url_of(p.jpeg), "webp_url": url_of(p.webp)}
                    for p in outputs.posters],
        "captions": [caption_json(track, url_of) for track in video.captions],
        "audio": [audio_json(track, url_of) for track in video.audio_tracks],
        "attribution": state.attribution,
        "credit_url": credit_link(video),
        "clip_of": video.clip_of.to_json() if video.clip_of else None,
        "trim": {"start": video.trim.start, "end": video.trim.end} if video.trim else None,
        "chapters": list(video.chapters or []),
        "chapters_url": url_of(video.chapters_file),
    }
    if detail:
        view.update({
            "url": url_for("api.get_video", video_id=video.id),  # the studio polls it for live status
            "poster_time": state.poster_time,
            "renditions": [{"name": r["name"], "width": r["width"], "height": r["height"]} for r in state.renditions],
            "metadata": source_metadata(video),
            "processed_by": video.processed_by,
            "edit_errors": video.edit_errors.as_api(),
            "captioning": video.captioning.as_api() if video.captioning else None,
            "captioning_text": captioning_text(video.captioning),
            "captioning_active": video.captioning is not None and video.captioning.active,
            "social_cuts": {aspect: url_of(name) for aspect, name in outputs.social.items()},
        })
    return view


def station_logo() -> dict | None:
    """The logo overlay of players (a template global): its corner and versioned URLs, or None."""
    placement = branding.current()
    if placement is None:
        return None
    return {"corner": placement["corner"], "url": url_for("branding.logo", v=placement["version"]),
            "css_url": url_for("branding.stylesheet", v=placement["version"])}
