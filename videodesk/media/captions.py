"""Caption files: parse SRT or WebVTT with webvtt-py and write normalized WebVTT."""
import io
import re

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from videodesk.core.text import is_storable
from videodesk.media.runner import MediaError

MAX_CAPTION_BYTES = 5 * 1024 * 1024
MAX_CUE_CHARS = 2000  # a cue is a line or two on screen; a longer one is not a caption
_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{3}"
TIMING_LINE = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(\s.*)?$")


# Linear on any text (docs/SECURITY.md, finding 1): a tag or override never holds its own opening
# character, so a failed match stops at the next '<' or '{' instead of rescanning the rest of the
# text, and possessive quantifiers never hand characters back to each other.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*+)([^<>]*+)>")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*+\}")
SIMPLE_TAGS = {"b", "i", "u"}
ANNOTATED_TAGS = {"c", "v", "lang", "ruby", "rt"}


def clean_cue_text(text: str) -> str:
    """Keep WebVTT's own markup; drop HTML-ish tags (<font color>...) and ASS overrides ({\\an8})
    that SRT files carry."""
    def keep(match):
        closing, name, rest = match.groups()
        name = name.lower()
        if name in SIMPLE_TAGS:
            return f"<{closing}{name}>"
        if name in ANNOTATED_TAGS:
            return match.group(0)
        return ""
    return _ASS_OVERRIDE.sub("", _TAG.sub(keep, text)).strip()


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
    cues = []
    for caption in sorted(captions.captions, key=lambda c: seconds(c.start)):
        if len(caption.raw_text) > MAX_CUE_CHARS:
            raise MediaError(f"The cue at {vtt_clock(seconds(caption.start))} is longer than {MAX_CUE_CHARS} characters.")
        caption.text = clean_cue_text(caption.raw_text)
        if seconds(caption.end) <= seconds(caption.start):
            raise MediaError(f"The cue at {caption.start} ends before it starts ({caption.end}).")
        if caption.text:
            cues.append(caption)
    if not cues:
        raise MediaError(f"The caption file has no cues with text (read as {kind.upper()}).")
    return webvtt.WebVTT(captions=cues).content


def vtt_clock(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def from_cues(cues) -> str:
    """WebVTT from the editor's cue list [{"start", "end", "text"}], or MediaError naming the cue."""
    if not isinstance(cues, list) or not cues:
        raise MediaError("'cues' must be a non-empty list.")
    captions = []
    for number, cue in enumerate(cues, start=1):
        if not isinstance(cue, dict):
            raise MediaError(f"Cue {number} must be an object with start, end and text.")
        start, end, text = cue.get("start"), cue.get("end"), cue.get("text")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, end)) \
                or not 0 <= start < end <= 24 * 3600:
            raise MediaError(f"Cue {number} needs numeric times with 0 <= start < end.")
        if not isinstance(text, str) or not text.strip() or len(text) > 500:
            raise MediaError(f"Cue {number} needs text (at most 500 characters).")
        if "-->" in text or not is_storable(text):
            raise MediaError(f"Cue {number} text must not contain '-->', NUL or broken characters.")
        # A blank line would end the cue early (WebVTT), so lines are kept but blank ones dropped.
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        captions.append(webvtt.Caption(vtt_clock(start), vtt_clock(end), "\n".join(lines)))
    captions.sort(key=lambda c: seconds(c.start))
    return webvtt.WebVTT(captions=captions).content


def seconds(clock: str) -> float:
    """'00:01:02.345' (or '01:02.345') in seconds; webvtt-py's own *_in_seconds drop the milliseconds."""
    parts = [float(p) for p in clock.replace(",", ".").split(":")]
    return round(sum(value * 60 ** power for power, value in enumerate(reversed(parts))), 3)


def cues_of(webvtt_text: str) -> list[dict]:
    return [{"start": seconds(c.start), "end": seconds(c.end), "text": c.raw_text}
            for c in webvtt.from_string(webvtt_text)]


def cues_between(webvtt_text: str, start: float, end: float) -> str | None:
    """The cues that overlap [start, end), clipped to it and moved so `start` is 0, as WebVTT;
    None when no cue falls in the range (a clip or trim of a silent stretch)."""
    captions = []
    for cue in webvtt.from_string(webvtt_text):
        cue_start, cue_end = max(seconds(cue.start), start) - start, min(seconds(cue.end), end) - start
        if round(cue_end, 3) > round(cue_start, 3):
            captions.append(webvtt.Caption(vtt_clock(cue_start), vtt_clock(cue_end), cue.raw_text))
    return webvtt.WebVTT(captions=captions).content if captions else None
