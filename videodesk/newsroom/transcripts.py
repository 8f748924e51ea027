"""A video's words as plain text, from its first caption track: readers, search engines and
JSON-LD get the same words."""
import functools
import logging

import webvtt

from videodesk.core import storage
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=512)
def _caption_text(store, key: str) -> str | None:
    """Caption files are never rewritten (each version has a new name), so a process keeps what it read:
    a page asks the media store once per caption version, not once per render."""
    try:
        return store.read_bytes(key).decode("utf-8")
    except FileNotFoundError:
        return None


def plain_text(video) -> str | None:
    """None when the video has no captions (or their file is missing, or the store is not answering:
    the page is still served, without the transcript)."""
    if not video or not video.captions:
        return None
    try:
        text = _caption_text(storage.media_store(), storage.media_key(video.id, video.captions[0].filename))
    except StoreError as exc:
        log.warning("transcript of video %s left out: %s", video.id, exc)
        return None
    if text is None:
        return None
    lines, previous = [], None
    for caption in webvtt.from_string(text):
        text = " ".join(caption.text.split())
        if text and text != previous:
            lines.append(text)
        previous = text
    return " ".join(lines) or None
