"""The cut that runs in a video's queue job before its pipeline: a clip's source is cut from its
parent's original, a trimmed video's from its own original (which stays, for undoing the trim).
Cuts are made in the job's workspace, so they work the same with a local or a remote media store."""
from pathlib import Path

from videodesk.core import storage
from videodesk.core.digests import sha256_of
from videodesk.core.lifecycle.states import Cut
from videodesk.core.models import Video
from videodesk.jobs import audio_tracks
from videodesk.jobs.live.event import EventPlaylist
from videodesk.jobs.workspace import Workspace
from videodesk.media import clip, live
from videodesk.media.outputs import atomic_output
from videodesk.media.pipeline import Limits
from videodesk.media.runner import MediaError, run

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


def _live_material(live_id: str, start: float, end: float, ws: Workspace, limits: Limits) -> tuple[Path, float]:
    """A live stream's segments around [start, end) (seconds since it started), fetched from the
    media store and joined by stream copy; with the event time where the joined file starts. Works
    while the stream runs, on any worker (the store has every finished segment)."""
    store = storage.media_store()
    try:
        event = EventPlaylist.from_text(store.read_bytes(storage.live_key(live_id, "video.m3u8")).decode("utf-8"))
    except FileNotFoundError:
        raise MediaError("The live stream this clip was cut from has no packaged video.") from None
    picked, at, first = [], 0.0, None
    for segment in event.segments:
        if at + segment.duration > start and at < end:
            first = at if first is None else first
            picked.append(segment)
        at += segment.duration
    if not picked:
        raise MediaError("The range is not in the live stream's packaged video (yet).")
    folder = ws.root / "live"
    for name in dict.fromkeys([name for segment in picked for name in (segment.init, segment.uri)]):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        ws.fetch_key(storage.live_key(live_id, name), folder / name)
    playlist, joined = folder / "range.m3u8", ws.root / "live-range.mp4"
    playlist.write_text(EventPlaylist(picked).text(ended=True))
    run(live.recording_command(playlist, joined), timeout=limits.step_timeout(end - start), what="joining the live segments")
    return joined, first


def cut_source(video: Video, ws: Workspace, limits: Limits, report) -> Cut:
    """Make the missing cut; returns how it was made, for the pipeline state."""
    if video.source_kind == "clip" and video.source_sha256 is None:
        start, end = video.clip_of.start, video.clip_of.end
        if video.clip_of.live_id:
            material, shift = _live_material(video.clip_of.live_id, start, end, ws, limits)
        else:
            material, shift = _parent_original(video, ws), 0.0
        method = _cut(material, ws.source, start - shift, end - shift, limits, report)
        if not video.clip_of.live_id:
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
