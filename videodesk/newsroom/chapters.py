"""Chapters of a video: validated [{"start", "title"}] lists, "00:00 Title" lines from a description,
and the WebVTT kind="chapters" file the player reads."""
import re

from videodesk.core import db, outbox
from videodesk.core.errors import Invalid
from videodesk.core.ids import file_token
from videodesk.core.models import Video
from videodesk.core.text import is_storable
from videodesk.media.captions import vtt_clock
from videodesk.newsroom import library

MAX_CHAPTERS = 100
MAX_TITLE = 100
MAX_CHAPTER_LINE = 200  # a time, a separator and a title of MAX_TITLE characters, with room to spare
# "0:00 Intro", "01:02:03 - Q&A", "(12:30) Weather": YouTube and PeerTube description lines. Linear
# (docs/SECURITY.md, finding 1): anchored, and the title runs to the end of the line (trailing spaces
# are stripped in Python; a lazy title before `\s*$` made every space retry the rest of the line).
CHAPTER_LINE = re.compile(r"\s*[\[(]?((?:\d{1,2}:)?\d{1,2}:\d{2})[\])]?\s*(?:[-–—:|]\s*)?(\S.*)")


def parse_chapter_lines(text: str) -> list[dict]:
    """Chapters from lines that start with M:SS or H:MM:SS and go on with a title; other lines are
    ignored (a description is mostly prose). A chapter line longer than MAX_CHAPTER_LINE is Invalid."""
    chapters = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        match = CHAPTER_LINE.match(line)
        if match:
            if len(line) > MAX_CHAPTER_LINE:
                raise Invalid(f"Line {number} is longer than {MAX_CHAPTER_LINE} characters; "
                              f"a chapter line is a time and a title of at most {MAX_TITLE} characters.")
            parts = [int(p) for p in match.group(1).split(":")]
            if all(p < 60 for p in parts[1:]):
                start = sum(value * 60 ** power for power, value in enumerate(reversed(parts)))
                chapters.append({"start": start, "title": match.group(2).rstrip()})
    return chapters


def validate_chapters(items, duration: float | None) -> list[dict]:
    """Sorted, unique starts with 0 <= start < duration and 1-100 character titles; at most 100.
    Each failure is Invalid naming the field ("chapters[2].start")."""
    if not isinstance(items, list):
        raise Invalid("'chapters' must be a list of {\"start\", \"title\"} objects.")
    if len(items) > MAX_CHAPTERS:
        raise Invalid(f"'chapters' may hold at most {MAX_CHAPTERS} chapters.")
    chapters = []
    for number, item in enumerate(items):
        field = f"chapters[{number}]"
        if not isinstance(item, dict):
            raise Invalid(f"'{field}' must be an object with 'start' and 'title'.")
        start, title = item.get("start"), item.get("title")
        if isinstance(start, bool) or not isinstance(start, (int, float)) or start != start:
            raise Invalid(f"'{field}.start' must be a number of seconds.")
        if start < 0 or (duration is not None and start >= duration):
            raise Invalid(f"'{field}.start' must be between 0 and the video's duration ({duration} s).")
        if not isinstance(title, str) or not 1 <= len(title.strip()) <= MAX_TITLE or not is_storable(title) \
                or "-->" in title or "\n" in title.strip():
            raise Invalid(f"'{field}.title' must be one line of 1 to {MAX_TITLE} characters.")
        if chapters and round(start, 3) <= chapters[-1]["start"]:
            raise Invalid(f"'{field}.start' must be later than the chapter before it (starts are sorted and unique).")
        chapters.append({"start": round(float(start), 3), "title": title.strip()})
    return chapters


def chapters_webvtt(chapters: list[dict], duration: float) -> str:
    """Each chapter runs until the next one starts; the last until the end of the video."""
    blocks = ["WEBVTT"]
    for number, chapter in enumerate(chapters):
        end = chapters[number + 1]["start"] if number + 1 < len(chapters) else max(duration, chapter["start"] + 0.001)
        blocks.append(f"{number + 1}\n{vtt_clock(chapter['start'])} --> {vtt_clock(end)}\n{chapter['title']}")
    return "\n\n".join(blocks) + "\n"


def apply_chapters(video: Video, chapters: list[dict], duration: float | None = None):
    """Store the chapters and write their WebVTT file (a new name per version, for caches); no commit."""
    video.chapters = chapters
    if not chapters:
        video.chapters_file = None
        return
    name = f"chapters-{file_token()}.vtt"
    library.store_media_text(video, name, chapters_webvtt(chapters, duration or video.duration or 0.0))
    video.chapters_file = name


def save_chapters(video: Video, data: dict):
    """PUT body: {"chapters": [...]} or {"description": "0:00 Intro\\n1:30 ..."} (the lines become chapters)."""
    library.require_ready(video, "Chapters can be set")
    if "chapters" in data:
        items = data["chapters"]
    elif "description" in data:
        if not isinstance(data["description"], str):
            raise Invalid("'description' must be text with '0:00 Title' lines.")
        items = parse_chapter_lines(data["description"])
        if not items and data["description"].strip():
            raise Invalid("'description' has no '0:00 Title' lines.")
    else:
        raise Invalid(code="missing_field", message="Send 'chapters' (a list) or 'description' (0:00 Title lines).")
    apply_chapters(video, validate_chapters(items, video.duration))
    outbox.commit(db.session(), outbox.ContentChanged())


def shifted(chapters: list[dict], start: float, end: float) -> list[dict]:
    """The chapters of a range, times from its start; the chapter running at `start` begins at 0."""
    inside = [{"start": round(c["start"] - start, 3), "title": c["title"]} for c in chapters if start < c["start"] < end]
    running = [c for c in chapters if c["start"] <= start]
    return ([{"start": 0.0, "title": running[-1]["title"]}] if running else []) + inside
