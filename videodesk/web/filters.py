"""Jinja filters for durations, sizes, dates, poster srcsets and absolute URLs."""
from email.utils import format_datetime

from videodesk.newsroom import transcripts
from videodesk.newsroom.slugs import slugify
from videodesk.web.urls import site_root


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
    """An absolute URL for a path of this site (feeds, structured data and oEmbed need them); URLs that
    already are absolute (a CDN's) stay as they are."""
    if not path:
        return None
    if "://" in path:
        return path
    return site_root() + path


def section_slug(section: str) -> str:
    return slugify(section)


def default_track(captions: list[dict], language: str) -> int | None:
    """Index of the caption track the player shows by default (the transcript's track too)."""
    return transcripts.reader_track([(track["lang"], track["reviewed"]) for track in captions], language)


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


def register(app):
    app.jinja_env.filters.update(
        duration=format_duration, srcset=srcset, section_slug=section_slug, default_track=default_track,
        absolute=absolute, rfc822=rfc822, yyyymmdd=yyyymmdd, filesize=filesize)
