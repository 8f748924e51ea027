"""A video's words as plain text, from its first caption track: readers, search engines and
JSON-LD get the same words."""
import webvtt

from videodesk.core import storage


def plain_text(video) -> str | None:
    """None when the video has no captions (or their file is missing)."""
    if not video or not video.captions:
        return None
    path = storage.media_dir(video.id) / video.captions[0].filename
    if not path.is_file():
        return None
    lines, previous = [], None
    for caption in webvtt.from_string(path.read_text(encoding="utf-8")):
        text = " ".join(caption.text.split())
        if text and text != previous:
            lines.append(text)
        previous = text
    return " ".join(lines) or None
