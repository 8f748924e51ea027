"""The cut that runs in a video's queue job before its pipeline: a clip's source is cut from its
parent's original, a trimmed video's from its own original (which stays, for undoing the trim)."""
from pathlib import Path

from videodesk.core import storage
from videodesk.core.models import Video
from videodesk.media import clip
from videodesk.media.outputs import atomic_output
from videodesk.media.pipeline import Limits
from videodesk.media.runner import MediaError

CUT_SHARE = 0.1  # of the progress bar
TRIMMED_PREFIX = "trimmed-"


def trimmed_source_path(video: Video) -> Path:
    """Named by its range, so a changed trim never reuses an old cut."""
    millis = f"{round(video.trim['start'] * 1000)}-{round(video.trim['end'] * 1000)}"
    return storage.upload_dir(video.id) / f"{TRIMMED_PREFIX}{millis}.mkv"


def pipeline_source(video: Video) -> Path:
    """What the pipeline transcodes: the trimmed cut when there is a trim, else the original."""
    return trimmed_source_path(video) if video.trim else storage.source_path(video.id)


def needs_cut(video: Video) -> bool:
    if video.source_kind == "clip" and not storage.source_path(video.id).exists():
        return True
    return bool(video.trim) and not trimmed_source_path(video).exists()


def _cut(source: Path, destination: Path, start: float, end: float, limits: Limits, report) -> str:
    with atomic_output(destination) as tmp:
        return clip.cut(source, tmp, start, end, timeout=limits.step_timeout(end - start),
                        probe_timeout=limits.ffprobe_timeout, report=report)


def cut_source(video: Video, limits: Limits, report) -> dict:
    """Make the missing cut; returns {"method": "copy"|"reencode", "start", "end"} for the pipeline state."""
    if video.source_kind == "clip" and not storage.source_path(video.id).exists():
        parent = storage.source_path(video.clip_of["id"])
        if not parent.is_file():
            raise MediaError("The video this clip was cut from has been deleted, so the clip cannot be made.")
        start, end = video.clip_of["start"], video.clip_of["end"]
        method = _cut(parent, storage.source_path(video.id), start, end, limits, report)
        source = storage.source_path(video.id)
        video.source_size, video.source_sha256 = source.stat().st_size, storage.sha256_of(source)
    else:
        start, end = video.trim["start"], video.trim["end"]
        destination = trimmed_source_path(video)
        method = _cut(storage.source_path(video.id), destination, start, end, limits, report)
        for old in destination.parent.glob(TRIMMED_PREFIX + "*"):
            if old != destination:
                old.unlink(missing_ok=True)
    return {"method": method, "start": start, "end": end}


def remove_trimmed_sources(video: Video):
    """After the trim is removed, its cut is no longer needed (the original is untouched)."""
    for old in storage.upload_dir(video.id).glob(TRIMMED_PREFIX + "*"):
        old.unlink(missing_ok=True)
