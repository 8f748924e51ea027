"""Import by URL with yt-dlp's Python API: at most 1080p, merged into one file by ffmpeg, with the
source's attribution (title, description, uploader, date, license, original URL) kept."""
import contextlib
from pathlib import Path

import yt_dlp
from yt_dlp.utils import DownloadError

from videodesk.ingest.netguard import guarded
from videodesk.media.runner import MediaError

FORMAT = "bv*[height<=1080]+ba/b[height<=1080]/bv*[height<=1080]/b"
ATTRIBUTION_FIELDS = ("title", "description", "uploader", "channel", "upload_date", "license",
                      "webpage_url", "extractor_key", "duration")


class _QuietLogger:
    def debug(self, message):
        pass

    info = warning = debug

    def error(self, message):
        pass


def _reason(error: Exception) -> str:
    text = str(error).replace("ERROR: ", "")
    lowered = text.lower()
    if "unsupported url" in lowered:
        return "This site or link is not supported for import."
    if "404" in lowered or "not found" in lowered:
        return "The link answered 'not found' (HTTP 404)."
    if "timed out" in lowered or "timeout" in lowered:
        return "The site did not answer in time."
    if "not a public address" in lowered:
        return "The link redirected to a private or local address, which is not allowed."
    if "larger than max-filesize" in lowered or "file is larger" in lowered:
        return "The video is larger than the upload limit."
    return f"The import failed: {text[:300]}"


def download(url: str, folder: Path, *, allow_private: bool, max_bytes: int, max_duration: float,
             timeout: float, report=lambda fraction: None) -> tuple[Path, dict]:
    """Download the best <=1080p rendition into `folder`; return the file and its attribution."""
    folder.mkdir(parents=True, exist_ok=True)

    def hook(status):
        total = status.get("total_bytes") or status.get("total_bytes_estimate")
        if status.get("status") == "downloading" and total:
            report(min(1.0, status.get("downloaded_bytes", 0) / total))
        if status.get("downloaded_bytes", 0) > max_bytes:
            raise DownloadError("File is larger than max-filesize")

    def too_long(info, *, incomplete=False):
        duration = info.get("duration")
        if duration and duration > max_duration:
            return f"The video is {duration / 60:.0f} minutes long; the limit is {max_duration / 60:.0f} minutes."
        return None

    options = {
        "format": FORMAT, "merge_output_format": "mp4", "outtmpl": str(folder / "download.%(ext)s"),
        "noplaylist": True, "quiet": True, "no_warnings": True, "noprogress": True, "logger": _QuietLogger(),
        "progress_hooks": [hook], "socket_timeout": timeout, "retries": 1, "fragment_retries": 1,
        "max_filesize": max_bytes, "match_filter": too_long, "cachedir": False, "restrictfilenames": True,
        # Native downloaders only: every connection goes through this thread's guarded sockets.
        "external_downloader": {}, "hls_prefer_native": True,
    }
    try:
        with guarded(allow_private), yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.extract_info(url, download=True)
    except DownloadError as exc:
        raise MediaError(_reason(exc)) from None
    if info is None or info.get("__match_filter_rejected"):
        raise MediaError(too_long(info or {}) or "The link holds no downloadable video.")
    files = [p for p in folder.glob("download.*") if p.suffix not in (".part", ".ytdl")]
    if not files:
        raise MediaError(too_long(info) or "The link holds no downloadable video.")
    attribution = {key: info.get(key) for key in ATTRIBUTION_FIELDS if info.get(key) is not None}
    attribution["original_url"] = url
    return files[0], attribution


def cleanup(folder: Path):
    for leftover in folder.glob("download.*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
