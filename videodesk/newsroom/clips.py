"""Clips (a new video cut from a range of another) and trims (a video keeps only a range of its
original, reversibly). Both are cut from the ORIGINAL source by the queue (jobs/clipping.py);
captions and chapters of the range come along, shifted so the range starts at 0.

Ranges arrive in the timeline the producer sees (a trimmed video's player starts at the trim's
start); `clip_of` and `trim` store them in the original's timeline, which never changes."""
import math

from sqlalchemy import select

from videodesk.core import db
from videodesk.core.errors import Conflict, Invalid
from videodesk.core.lifecycle import captioning
from videodesk.core.lifecycle import video as lifecycle
from videodesk.core.lifecycle.states import CaptioningStatus, ClipOrigin, Trim, VideoStatus
from videodesk.core.models import Story, Video
from videodesk.core.validation import text_field
from videodesk.media.captions import cues_between
from videodesk.media.clip import MIN_LENGTH_S
from videodesk.newsroom import chapters, library, stories, usage

# Player durations are rounded to the millisecond; an `end` this close to the end is the end.
END_TOLERANCE_S = 0.001


def _seconds(data: dict, name: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Invalid(code="missing_field" if value is None else "invalid_field",
                      message=f"'{name}' must be a number of seconds.")
    if value < 0:
        raise Invalid(f"'{name}' must not be negative.")
    return float(value)


def validate_range(data: dict, duration: float) -> tuple[float, float]:
    """(start, end) in seconds, or Invalid naming the field that is wrong."""
    start, end = _seconds(data, "start"), _seconds(data, "end")
    if start >= duration:
        raise Invalid(f"'start' must be before the end of the video ({duration:.3f} s).")
    if end <= start:
        raise Invalid("'end' must be after 'start'.")
    if end > duration + END_TOLERANCE_S:
        raise Invalid(f"'end' must not be after the end of the video ({duration:.3f} s).")
    end = min(end, duration)
    if end - start < MIN_LENGTH_S:
        raise Invalid(f"'end' must be at least {MIN_LENGTH_S} s after 'start'.")
    return round(start, 3), round(end, 3)


def _require_probed(video: Video, what: str):
    if not video.pipeline_state.probed or video.source_sha256 is None or video.status == VideoStatus.FAILED:
        raise Conflict(code="not_ready", message=f"{what} once the video's original is stored and probed.")


def _require_original(video: Video, what: str):
    library.require_ready(video, what)
    _require_probed(video, what)


def _offset(video: Video) -> float:
    return video.trim.start if video.trim else 0.0


def create_clip(user, parent: Video, data: dict) -> Video:
    """A queued video for the range; the queue cuts it from the parent's original, then processes it.
    The parent may still be processing (its original needs only to be probed): the clip takes the
    captions of its range, and the automatic ones as the parent's transcription reaches the range."""
    _require_probed(parent, "Clips can be made")
    usage.require_room(user)  # a clip's size is known once it is made (at most its parent's)
    start, end = validate_range(data, parent.duration or parent.pipeline_state.info["duration"])
    title = text_field(data, "title", max_length=300) or f"{parent.title} ({label(start)}–{label(end)})"
    clip = library.new_video(user.id, title, parent.source_name or "", kind="clip")
    offset = _offset(parent)
    lifecycle.set_clip_origin(clip, ClipOrigin(id=parent.id, start=round(offset + start, 3),
                                               end=round(offset + end, 3)))
    follows = _has_transcript(parent)
    for track in parent.captions:
        if follows and track.source == "auto":
            continue  # _follow copies them, and keeps copying while the parent's transcript grows
        text = cues_between(library.read_media_text(parent, track.filename), start, end)
        if text:
            library.add_caption_track(clip, text, track.lang, track.label, source=track.source)
    if follows:
        _follow(clip, parent)
    chapters.apply_chapters(clip, chapters.shifted(parent.chapters or [], start, end), end - start)
    db.session().commit()
    return clip


STORY_STATUSES = ("draft", "published")


def clip_to_story(user, parent: Video, data: dict) -> tuple[Video, Story]:
    """The breaking-news action: a clip of the range (the parent may still be processing) attached
    to an existing story (`story_id`) or a new one (`headline`, default the clip's title), saved as
    `status` (draft or published). The caller queues the clip's job."""
    status = data.get("status") or "draft"
    if status not in STORY_STATUSES:
        raise Invalid("'status' must be draft or published.")
    story_id, story = str(data.get("story_id") or ""), None
    if story_id:
        if not story_id.isdigit():
            raise Invalid("'story_id' must be the id of a story.")
        story = stories.story_by_id(int(story_id))
    headline = text_field(data, "headline", max_length=300)  # checked before anything is made
    clip = create_clip(user, parent, {key: data[key] for key in ("start", "end", "title") if key in data})
    if story is not None:
        return clip, stories.update_story(user, story, {"video_id": clip.id, "status": status})
    return clip, stories.create_story(user, {"headline": headline or clip.title, "video_id": clip.id, "status": status})


def _transcribing(video: Video) -> bool:
    return video.captioning is not None and video.captioning.status in (CaptioningStatus.QUEUED,
                                                                         CaptioningStatus.RUNNING)


def _has_transcript(video: Video) -> bool:
    """Made or being made: a clip of it needs no transcription of its own."""
    return _transcribing(video) or (video.captioning is not None and video.captioning.status == CaptioningStatus.DONE)


def _clips_of(parent: Video) -> list[Video]:
    return list(db.session().scalars(select(Video).where(Video.source_kind == "clip",
                                                         Video.clip_of["id"].as_string() == parent.id)))


def follow_parent(clip: Video) -> bool:
    """Whether a clip takes its automatic captions from its parent's transcript (it then needs no
    transcription of its own): the parent has one, or is making one."""
    if clip.source_kind != "clip" or not clip.clip_of:
        return False
    parent = db.session().get(Video, clip.clip_of.id) if clip.clip_of.id else None
    return parent is not None and _has_transcript(parent)


def pass_on_captions(parent: Video):
    """The parent's transcript grew: clips cut from it while it was transcribed take the automatic
    cues of their range (shifted to start at 0), until their range is covered."""
    for clip in _clips_of(parent):
        if _transcribing(clip):
            _follow(clip, parent)


def _follow(clip: Video, parent: Video):
    """Copy the parent's automatic tracks of the clip's range as they are now, and how far they reach."""
    offset = _offset(parent)
    start, end = clip.clip_of.start - offset, clip.clip_of.end - offset
    transcript = parent.captioning
    done = transcript.status == CaptioningStatus.DONE
    until = end - start if done else min(end - start, max(0.0, (transcript.transcribed_until or 0.0) - start))
    previous = clip.captioning
    if previous is not None and previous.status == CaptioningStatus.RUNNING \
            and previous.transcribed_until == until and not done:
        return
    for track in parent.captions:
        if track.source != "auto":
            continue
        text = cues_between(library.read_media_text(parent, track.filename), start, end)
        mine = next((t for t in clip.captions if t.source == "auto" and t.lang == track.lang
                     and t.translated_from == track.translated_from), None)
        if text is None:
            continue
        if mine is None:
            mine = library.add_caption_track(clip, text, track.lang, track.label, source="auto")
            mine.translated_from = track.translated_from
        else:
            library.replace_track_file(mine, library.write_caption_file(clip, text, track.lang), machine=True)
    captioning.follow(clip, until=until, length=end - start, language=transcript.language)


def label(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _original_captions(video: Video) -> dict[str, str]:
    """Each track's file in the original's timeline: kept from before the trim, or (a track added
    while trimmed) written now from the trimmed one, moved back by the trim's start."""
    kept = video.trim.captions if video.trim else {}
    originals = {}
    for track in video.captions:
        name = kept.get(str(track.id))
        if name is None:
            name = track.filename
            if video.trim:
                moved = cues_between(library.read_media_text(video, track.filename), -video.trim.start, math.inf)
                name = library.write_caption_file(video, moved or "WEBVTT\n", track.lang)
        originals[str(track.id)] = name
    return originals


def _original_chapters(video: Video) -> list[dict]:
    if video.trim is None:
        return list(video.chapters or [])
    return list(video.trim.chapters)


def trim(video: Video, data: dict):
    """Keep only [start, end) of the original; the original file stays, so `untrim` restores it all.
    The trim stores what the whole original had: its duration, caption files and chapters.
    The video is then processed again: the queue cuts the range and runs the pipeline."""
    _require_original(video, "The video can be trimmed")
    start, end = validate_range(data, video.duration)
    offset = _offset(video)
    start, end = round(offset + start, 3), round(offset + end, 3)
    originals = _original_captions(video)
    original_chapters = _original_chapters(video)
    original_duration = video.trim.duration if video.trim else video.duration
    for track in video.captions:
        text = cues_between(library.read_media_text(video, originals[str(track.id)]), start, end)
        track.replace_file(library.write_caption_file(video, text or "WEBVTT\n", track.lang))
    chapters.apply_chapters(video, chapters.shifted(original_chapters, start, end), end - start)
    lifecycle.set_trim(video, Trim(start=start, end=end, duration=original_duration, captions=originals,
                                   chapters=tuple(original_chapters)))
    lifecycle.reset(db.session(), video)
    db.session().commit()


def untrim(video: Video):
    """Back to the whole original: the captions and chapters it had come back (as new versions)."""
    if video.trim is None:
        raise Conflict(code="not_trimmed", message="The video is not trimmed.")
    if video.status.busy:
        raise Conflict(code="busy", message="The video is already waiting or being processed.")
    originals = _original_captions(video)
    for track in video.captions:
        track.replace_file(originals[str(track.id)])
    chapters.apply_chapters(video, _original_chapters(video), video.trim.duration)
    lifecycle.set_trim(video, None)
    lifecycle.reset(db.session(), video)
    db.session().commit()
