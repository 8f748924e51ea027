"""Import by URL with yt-dlp's Python API: at most 1080p, merged into one file by ffmpeg, with the
source's attribution (title, description, uploader, date, license, original URL) kept.

Everything is fetched by yt-dlp's *native* downloaders, in this thread, through netguard's guarded
sockets; ffmpeg never gets a URL (it opens its own sockets, which no guard sees, and it would
follow file:, rtmp: and any address a playlist names). The defences, in order:

* format check (`_SafeYoutubeDL.process_info`): live/upcoming media is refused, and every chosen
  format must use a native protocol (http, https, m3u8_native, http_dash_segments) with only
  http(s) URLs (url, manifest_url, fragment_base_url, each fragment);
* downloader gate (`_SafeYoutubeDL.dl`): the downloader yt-dlp picks must be a native one, and an
  HLS media playlist is fetched and checked here first (finished VOD, no SAMPLE-AES/DRM, only
  http(s) URIs) and handed to the native HLS downloader as data, so it cannot fall back to ffmpeg
  (AES-128 is then decrypted natively, keys fetched through the guard);
* ffmpeg arguments: should ffmpeg ever be handed a URL it may open no protocol at all, and the
  post-processors (merge, fixups) may open only local files;
* bounds: bytes (all parts together) and a wall-clock deadline, checked in the progress hook and
  at every connect; each downloaded part must look like media, not a playlist or manifest."""
import contextlib
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yt_dlp
from yt_dlp.downloader import DashSegmentsFD, HttpFD, get_suitable_downloader
from yt_dlp.downloader.hls import HlsFD
from yt_dlp.networking import Request
from yt_dlp.postprocessor.ffmpeg import FFmpegPostProcessor
from yt_dlp.utils import (
    DownloadCancelled,
    DownloadError,
    YoutubeDLError,
    determine_protocol,
)

from videodesk.ingest.netguard import guarded
from videodesk.media.runner import MediaError

FORMAT = "bv*[height<=1080]+ba/b[height<=1080]/bv*[height<=1080]/b"
ATTRIBUTION_FIELDS = ("title", "description", "uploader", "channel", "upload_date", "license",
                      "webpage_url", "extractor_key", "duration")
URL_FIELDS = ("webpage_url", "license")  # attribution fields that are (or may be) links
NATIVE_PROTOCOLS = frozenset({"http", "https", "m3u8_native", "http_dash_segments"})
NATIVE_DOWNLOADERS = (HttpFD, HlsFD, DashSegmentsFD)
LIVE_STATES = frozenset({"is_live", "is_upcoming", "post_live"})
MAX_PLAYLIST_BYTES = 4 * 1024 * 1024
KEY_METHOD = re.compile(r"\bMETHOD=([A-Za-z0-9-]+)")
# yt-dlp post-processors that run ffmpeg on downloaded files: those may only read local files.
_FFMPEG_PPS = ("merger", "fixupm3u8", "fixupm4a", "fixupstretched", "fixuptimestamp", "copystream",
               "fixupduration", "fixupduplicatemoov", "metadata", "videoremuxer", "videoconvertor")
# Text that a media file never starts with, but a playlist/manifest ffmpeg would follow does.
_NOT_MEDIA = re.compile(rb"^\s*(?:#EXTM3U|<|ffconcat|\[playlist\])", re.IGNORECASE)


class Refused(DownloadError):
    """yt-dlp would have to do something unsafe; `reason` says what, for the newsroom."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Stopped(DownloadCancelled):
    """A bound was hit mid-download (size, time, content). A DownloadCancelled, unlike a
    DownloadError, is not swallowed by yt-dlp's fragment retry loop."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _QuietLogger:
    def debug(self, message):
        pass

    info = warning = debug

    def error(self, message):
        pass


def is_web_url(value) -> bool:
    return isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https")


def _live_reason(info: dict) -> str | None:
    if info.get("is_live") or info.get("is_upcoming") or info.get("live_status") in LIVE_STATES:
        return "This is a live or scheduled stream; only finished videos can be imported."
    return None


def _format_reason(fmt: dict) -> str | None:
    """Why this format may not be downloaded, or None."""
    if _live_reason(fmt):
        return _live_reason(fmt)
    if fmt.get("has_drm"):
        return "The video is DRM protected and cannot be imported."
    protocol = fmt.get("protocol") or determine_protocol(fmt)
    unsafe = [p for p in protocol.split("+") if p not in NATIVE_PROTOCOLS]
    if unsafe:
        return f"The video is only offered over a streaming protocol that cannot be imported ({', '.join(unsafe)})."
    base = fmt.get("fragment_base_url")
    urls = [fmt.get("url"), fmt.get("manifest_url"), base]
    for fragment in fmt.get("fragments") or []:
        urls.append(fragment.get("url") or urljoin(base or "", fragment.get("path") or ""))
    if not all(is_web_url(u) for u in urls if u is not None):
        return "The video points to a non-web address (only http:// and https:// may be fetched)."
    return None


def _playlist_reason(text: str, base: str) -> str | None:
    """Check an HLS media playlist before the native downloader gets it."""
    if not text.lstrip("\ufeff").startswith("#EXTM3U"):
        return "The stream's playlist is not a valid HLS playlist."
    if "#EXT-X-ENDLIST" not in text:
        return "This is a live stream (its playlist has no end); only finished videos can be imported."
    lines = text.splitlines()
    if HlsFD._has_drm(text):
        return "The video is DRM protected and cannot be imported."
    for line in lines:
        tag, _, attributes = line.strip().partition(":")
        method = KEY_METHOD.search(attributes) if tag in ("#EXT-X-KEY", "#EXT-X-SESSION-KEY") else None
        if method and method[1].upper() not in ("NONE", "AES-128"):
            return f"The stream is encrypted with {method[1]}, which cannot be decrypted here."
    uris = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    uris += re.findall(r'URI="([^"]*)"', text)
    if not all(is_web_url(urljoin(base, uri)) for uri in uris):
        return "The stream points to a non-web address (only http:// and https:// may be fetched)."
    return None


KEY_TAGS = ("#EXT-X-KEY:", "#EXT-X-SESSION-KEY:")
DRM_KEY_MARKS = ('URI="skd://', 'KEYFORMAT="com.apple.streamingkeydelivery"', 'KEYFORMAT="com.microsoft.playready"')


def _has_drm(manifest: str) -> bool:
    """yt-dlp's HlsFD._has_drm with the same answers in linear time. Its patterns
    (`#EXT-X-KEY:.*?URI="skd://`) rescan the rest of a line from every key tag on it: hours for a
    4 MB line of tags, in the worker, on a playlist yt-dlp reads before any check of ours
    (docs/SECURITY.md, finding 1). Installed in place of yt-dlp's below."""
    if "#EXT-X-FAXS-CM:" in manifest:
        return True
    for line in manifest.split("\n"):
        starts = [at for at in (line.find(tag) for tag in KEY_TAGS) if at >= 0]
        if starts and any(mark in line[min(starts):] for mark in DRM_KEY_MARKS):
            return True
    return False


HlsFD._has_drm = staticmethod(_has_drm)
LOCAL_FILES_ONLY = ["-protocol_whitelist", "file"]


def _probe_local_files_only(pp: FFmpegPostProcessor):
    """yt-dlp's post-processors probe the download with ffprobe, and `postprocessor_args` reach only
    ffmpeg: give this one's probes the whitelist too (docs/SECURITY.md, finding 12). Its own
    get_audio_codec builds a command without options, so it reads the probe's JSON instead."""
    probe_file = type(pp).get_metadata_object

    def get_metadata_object(path, opts=()):
        return probe_file(pp, path, [*LOCAL_FILES_ONLY, *opts])

    def get_audio_codec(path):
        streams = get_metadata_object(path).get("streams") or []
        return next((s.get("codec_name") for s in streams if s.get("codec_type") == "audio"), None)

    pp.get_metadata_object, pp.get_audio_codec = get_metadata_object, get_audio_codec


class _SafeYoutubeDL(yt_dlp.YoutubeDL):
    def run_pp(self, pp, infodict):
        if isinstance(pp, FFmpegPostProcessor):
            _probe_local_files_only(pp)
        return super().run_pp(pp, infodict)

    def process_video_result(self, info_dict, download=True):
        if reason := _live_reason(info_dict):
            raise Refused(reason)
        return super().process_video_result(info_dict, download=download)

    def process_info(self, info_dict):
        formats = info_dict.get("requested_formats") or [info_dict]
        for reason in (_live_reason(info_dict), *map(_format_reason, formats)):
            if reason:
                raise Refused(reason)
        return super().process_info(info_dict)

    def dl(self, name, info, subtitle=False, test=False):
        if info.get("requested_formats"):  # several formats in one go: only ffmpeg does that
            raise Refused("The video's formats cannot be fetched safely.")
        if reason := _format_reason(info):
            raise Refused(reason)
        downloader = get_suitable_downloader(dict(info), self.params, to_stdout=(name == "-"))
        if downloader not in NATIVE_DOWNLOADERS:
            raise Refused(f"The video needs a downloader that cannot be used safely "
                          f"({getattr(downloader, 'FD_NAME', downloader)}).")
        if downloader is HlsFD:
            info = self._checked_hls(info)
        return super().dl(name, info, subtitle=subtitle, test=test)

    def _checked_hls(self, info: dict) -> dict:
        """Fetch and check the media playlist here, then give it to HlsFD as data: with the data
        in hand HlsFD neither re-fetches it nor delegates an AES-128 stream to ffmpeg."""
        if info.get("hls_media_playlist_data"):  # an extractor already has it: check that one
            final_url, text = info["url"], info["hls_media_playlist_data"]
        else:
            headers = info.get("http_headers") or self._calc_headers(info)
            with self.urlopen(Request(info["url"], headers=headers)) as response:
                final_url = response.url
                data = response.read(MAX_PLAYLIST_BYTES + 1)
            if len(data) > MAX_PLAYLIST_BYTES:
                raise Refused("The stream's playlist is too large.")
            text = data.decode("utf-8", "ignore")
        if reason := _playlist_reason(text, final_url):
            raise Refused(reason)
        return {**info, "url": final_url, "hls_media_playlist_data": text}


_NOT_FOUND = re.compile(r"\bhttp error 404\b|\bnot found\b")


def _reason(error: Exception) -> str:
    for candidate in (error, getattr(error, "exc_info", None) and error.exc_info[1]):
        if isinstance(candidate, (Refused, Stopped)):
            return candidate.reason
    text = str(error).replace("ERROR: ", "")
    lowered = text.lower()
    if "unsupported url" in lowered:
        return "This site or link is not supported for import."
    # Before the status: the refused URL's port may well contain "404".
    if "not a public address" in lowered:
        return "The link redirected to a private or local address, which is not allowed."
    if _NOT_FOUND.search(lowered):
        return "The link answered 'not found' (HTTP 404)."
    if "timed out" in lowered or "timeout" in lowered:
        return "The site did not answer in time."
    if "larger than max-filesize" in lowered or "file is larger" in lowered:
        return "The video is larger than the upload limit."
    if "file:// urls are disabled" in lowered or "unsupported url scheme" in lowered:
        return "The video points to a non-web address (only http:// and https:// may be fetched)."
    return f"The import failed: {text[:300]}"


def attribution(info: dict, url: str) -> dict:
    """The source's credit from yt-dlp's info; link fields only when they are http(s) links."""
    credit = {}
    for key in ATTRIBUTION_FIELDS:
        value = info.get(key)
        if value is None:
            continue
        # A link must be a web link (no javascript:, data:, file:); a license may also be plain text.
        if key in URL_FIELDS and not is_web_url(value) and (
                key == "webpage_url" or re.match(r"^\s*[a-z][a-z0-9+.-]*:", str(value), re.IGNORECASE)):
            continue
        credit[key] = value
    if is_web_url(url):
        credit["original_url"] = url
    return credit


def download(url: str, folder: Path, *, allow_private: bool, max_bytes: int, max_duration: float,
             timeout: float, report=lambda fraction: None, time_limit: float | None = None,
             also_public=()) -> tuple[Path, dict]:
    """Download the best <=1080p rendition into `folder`; return the file and its attribution.

    `time_limit` bounds the whole download in seconds (default: an hour, or `timeout` x 180);
    `also_public` are addresses to treat as public (see netguard.is_public; for tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + (time_limit if time_limit is not None else max(3600.0, timeout * 180))
    part_bytes = {}

    def hook(status):
        if time.monotonic() > deadline:
            raise Stopped("The download took longer than the time limit; the site did not answer in time.")
        # All parts together (video + audio), whatever the downloader; a declared size counts too.
        # (Not yt-dlp's max_filesize: for a fragment it reads as "fragment not found".)
        part_bytes[status.get("filename")] = max(part_bytes.get(status.get("filename"), 0),
                                                 status.get("downloaded_bytes") or 0,
                                                 status.get("total_bytes") or 0)
        if sum(part_bytes.values()) > max_bytes:
            raise Stopped("The video is larger than the upload limit.")
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        if status.get("status") == "downloading" and total:
            report(min(1.0, status.get("downloaded_bytes", 0) / total))
        if status.get("status") == "finished" and status.get("filename"):
            with open(status["filename"], "rb") as head:
                if _NOT_MEDIA.match(head.read(4096)):
                    raise Stopped("The link returned a playlist or web page instead of a video file.")

    def too_long(info, *, incomplete=False):
        duration = info.get("duration")
        if duration and duration > max_duration:
            return f"The video is {duration / 60:.0f} minutes long; the limit is {max_duration / 60:.0f} minutes."
        return None

    options = {
        "format": FORMAT, "merge_output_format": "mp4", "outtmpl": str(folder / "download.%(ext)s"),
        "noplaylist": True, "quiet": True, "no_warnings": True, "noprogress": True, "logger": _QuietLogger(),
        "progress_hooks": [hook], "socket_timeout": timeout, "retries": 1, "fragment_retries": 1,
        "match_filter": too_long, "cachedir": False, "restrictfilenames": True,
        # Native downloaders only, one fragment at a time: every connection is made by this thread,
        # through its guarded sockets.
        "external_downloader": {"default": "native"}, "hls_prefer_native": True,
        "concurrent_fragment_downloads": 1, "skip_unavailable_fragments": False,
        "enable_file_urls": False, "allow_unplayable_formats": False, "live_from_start": False,
        "wait_for_video": None,
        # Should ffmpeg be handed a URL after all, it may open nothing; post-processors only local files.
        "external_downloader_args": {"ffmpeg_i": ["-protocol_whitelist", "none"]},
        "postprocessor_args": {f"{pp}+ffmpeg_i": ["-protocol_whitelist", "file"] for pp in _FFMPEG_PPS},
    }
    try:
        with guarded(allow_private, also_public=also_public, deadline=deadline), \
                _SafeYoutubeDL(options) as ydl:
            info = ydl.extract_info(url, download=True)
    except (YoutubeDLError, OSError) as exc:  # DownloadError, and what escapes extractors (RequestError)
        cleanup(folder)
        raise MediaError(_reason(exc)) from None
    except BaseException:
        cleanup(folder)
        raise
    if info is None or info.get("__match_filter_rejected"):
        cleanup(folder)
        raise MediaError(too_long(info or {}) or "The link holds no downloadable video.")
    files = [p for p in folder.glob("download.*") if p.suffix not in (".part", ".ytdl")]
    if not files:
        raise MediaError(too_long(info) or "The link holds no downloadable video.")
    return files[0], attribution(info, url)


def cleanup(folder: Path):
    for leftover in folder.glob("download.*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
