"""What pages and the API show of a live stream: its ingest URLs, its HLS and captions, and which
player a reader gets (the poster before it starts, the live HLS while it runs, the recording once
it is playable after the end). The reader pages, the embed, the studio and the API's JSON use it."""
from flask import request, url_for

from videodesk.core.lifecycle.live import LiveStatus
from videodesk.core.models import LiveStream
from videodesk.core.settings import current_settings
from videodesk.newsroom.live import caption_label

ANY_ADDRESS = ("0.0.0.0", "::", "")


def ingest_host() -> str:
    """The host encoders are told: the configured one, else the listening address, else (listening
    on every interface) the host this request came to."""
    settings = current_settings()
    host = settings.ingest_url_host or settings.ingest_host
    if host in ANY_ADDRESS:
        host = request.host.rsplit(":", 1)[0] if request else "localhost"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def ingest_urls(stream: LiveStream) -> dict:
    settings, host = current_settings(), ingest_host()
    return {"rtmp_url": f"rtmp://{host}:{settings.rtmp_port}/live/{stream.stream_key}",
            "srt_url": f"srt://{host}:{settings.srt_port}?streamid={stream.stream_key}",
            "stream_key": stream.stream_key}


def live_url(stream: LiveStream, name: str) -> str:
    return url_for("media.live_file", live_id=stream.id, name=name)


def caption_tracks(stream: LiveStream) -> list[dict]:
    """The live automatic track, once the stream has started (its cues arrive as they are said)."""
    if stream.status == LiveStatus.IDLE:
        return []
    lang = stream.captions_lang or "en"
    return [{"lang": lang, "label": caption_label(lang), "kind": "captions", "source": "auto",
             "url": live_url(stream, "captions.vtt")}]


def live_view(stream: LiveStream) -> dict:
    """The player's needs: `state` is "soon" (poster, "Live soon"), "live" (the live HLS), or
    "ended" (the event playlist as a replay until the recording plays; `video_id` then)."""
    recording = stream.video if stream.video is not None and stream.video.playable else None
    if stream.status == LiveStatus.IDLE:
        state = "soon"
    elif stream.status == LiveStatus.LIVE:
        state = "live"
    else:
        state = "ended"
    return {"id": stream.id, "title": stream.title, "state": state, "status": str(stream.status),
            "hls_url": live_url(stream, "master.m3u8"), "captions": caption_tracks(stream),
            "recording": recording, "started_at": stream.started_at, "duration": stream.duration}
