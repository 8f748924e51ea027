"""The cut that runs in a video's queue job before its pipeline: a clip's source is cut from its
parent's original, a trimmed video's from its own original (which stays, for undoing the trim).
Cuts are made in the job's workspace, so they work the same with a local or a remote media store."""
from pathlib import Path

from videodesk.core import storage
from videodesk.core.digests import sha256_of
from videodesk.core.lifecycle.states import Cut
from videodesk.core.models import Video
from videodesk.jobs import audio_tracks
from videodesk.jobs.workspace import Workspace
from videodesk.media import clip
from videodesk.media.outputs import atomic_output
from videodesk.media.pipeline import Limits
from videodesk.media.runner import MediaError

CUT_SHARE = 0.1  # of the progress bar
TRIMMED_PREFIX = "trimmed-"


def trimmed_source_path(video: Video, ws: Workspace) -> Path:
    """Named by its range, so a changed trim never reuses an old cut."""
    millis = f"{round(video.trim.start * 1000)}-{round(video.trim.end * 1000)}"
    return ws.root / f"{TRIMMED_PREFIX}{millis}.mkv"


def pipeline_source(video: Video, ws: Workspace) -> Path:
    """What the pipeline transcodes: the trimmed cut when there is a trim, else the original."""
    return trimmed_source_path(video, ws) if video.trim else ws.source


def needs_cut(video: Video, ws: Workspace) -> bool:
    if video.source_kind == "clip" and video.source_sha256 is None:
        return True
    return bool(video.trim) and not trimmed_source_path(video, ws).exists()


def _cut(source: Path, destination: Path, start: float, end: float, limits: Limits, report) -> str:
    with atomic_output(destination) as tmp:
        return clip.cut(source, tmp, start, end, timeout=limits.step_timeout(end - start),
                        probe_timeout=limits.ffprobe_timeout, report=report)


def _parent_original(video: Video, ws: Workspace) -> Path:
    parent_id = video.clip_of.id
    if ws.in_place:
        parent = storage.source_path(parent_id)
    else:
        parent = ws.root / "parent-source"
        try:
            ws.fetch_key(storage.original_key(parent_id), parent)
        except FileNotFoundError:
            parent = ws.root / "missing"
    if not parent.is_file():
        raise MediaError("The video this clip was cut from has been deleted, so the clip cannot be made.")
    return parent


def cut_source(video: Video, ws: Workspace, limits: Limits, report) -> Cut:
    """Make the missing cut; returns how it was made, for the pipeline state."""
    if video.source_kind == "clip" and video.source_sha256 is None:
        start, end = video.clip_of.start, video.clip_of.end
        method = _cut(_parent_original(video, ws), ws.source, start, end, limits, report)
        audio_tracks.carry_to_clip(video, ws, limits.step_timeout(end - start))
        ws.store_original()
        video.source_size, video.source_sha256 = ws.source.stat().st_size, sha256_of(ws.source)
    else:
        ws.fetch_original()
        start, end = video.trim.start, video.trim.end
        destination = trimmed_source_path(video, ws)
        method = _cut(ws.source, destination, start, end, limits, report)
        remove_trimmed_sources(ws, keep=destination)
    return Cut(method=method, start=start, end=end)


def remove_trimmed_sources(ws: Workspace, keep: Path | None = None):
    """Cuts of earlier trims are no longer needed (the original is untouched)."""
    for old in ws.root.glob(TRIMMED_PREFIX + "*"):
        if old != keep:
            old.unlink(missing_ok=True)
