"""Caption files: parse SRT or WebVTT with webvtt-py and write normalized WebVTT."""
import io
import re

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from .runner import MediaError

MAX_CAPTION_BYTES = 5 * 1024 * 1024
_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{3}"
TIMING_LINE = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(\s.*)?$")


def _check_timing_lines(text: str):
    """webvtt-py skips cues with broken times; an editor wants to know which line is wrong."""
    for number, line in enumerate(text.split("\n"), start=1):
        if "-->" in line and not TIMING_LINE.match(line):
            raise MediaError(f"Line {number} has an invalid cue timing: {line.strip()[:80]!r}.")


def to_webvtt(data: bytes) -> str:
    """Return normalized WebVTT text for an uploaded SRT or VTT file, or raise MediaError."""
    if len(data) > MAX_CAPTION_BYTES:
        raise MediaError("The caption file is larger than 5 MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise MediaError("The caption file is not UTF-8 text.") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise MediaError("The caption file is empty.")
    kind = "vtt" if text.startswith("WEBVTT") else "srt"
    _check_timing_lines(text)
    try:
        captions = webvtt.from_buffer(io.StringIO(text + "\n"), format=kind)
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise MediaError(f"The caption file is not valid {kind.upper()}: {exc}") from None
    if not len(captions):
        raise MediaError(f"The caption file has no cues (read as {kind.upper()}).")
    normalized = webvtt.WebVTT(captions=sorted(captions.captions, key=lambda c: c.start_in_seconds))
    return normalized.content
