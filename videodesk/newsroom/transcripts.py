"""A video's words as plain text, from the caption track the player shows by default: readers,
search engines and JSON-LD get the same words, and never machine words no person has checked."""
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


def reader_track(tracks: list[tuple[str, bool]], language: str) -> int | None:
    """Which of a video's caption tracks, given as (lang, reviewed) pairs in order, readers get by
    default: the story's language, else the first; only tracks a person made or reviewed (machine
    words are never switched on for readers). The player, the transcript and JSON-LD all ask here."""
    vouched = [index for index, (_lang, reviewed) in enumerate(tracks) if reviewed]
    if not vouched:
        return None
    base = language.split("-")[0].lower()
    for index in vouched:
        if tracks[index][0].split("-")[0].lower() == base:
            return index
    return vouched[0]


def plain_text(video, language: str) -> str | None:
    """The words of the reader track for a story in `language`; None when there is none (or its file
    is missing, or the store is not answering: the page is still served, without the transcript)."""
    index = reader_track([(track.lang, track.reviewed) for track in video.captions], language) if video else None
    if index is None:
        return None
    try:
        text = _caption_text(storage.media_store(), storage.media_key(video.id, video.captions[index].filename))
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
