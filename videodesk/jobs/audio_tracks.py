"""A video's audio tracks as rows: the source's own tracks registered when processing finishes, the
added ones handed to the pipeline when it runs again, and the master's renditions made from the rows
(media/audio.py builds the playlist)."""
from pathlib import Path

from videodesk.core import storage
from videodesk.core.models import AudioTrack, Video
from videodesk.jobs.workspace import Workspace
from videodesk.media import audio
from videodesk.media.pipeline import ADDED_AUDIO_DIR, AddedAudio


def added_file(ws: Workspace, name: str) -> Path:
    return ws.work_dir / ADDED_AUDIO_DIR / name


def discard_added_file(ws: Workspace, name: str):
    """A removed track's kept file, here and in the store."""
    added_file(ws, name).unlink(missing_ok=True)
    if not ws.in_place:
        ws.store.delete(storage.work_key(ws.video_id, f"{ADDED_AUDIO_DIR}/{name}"))


def added_audio(video: Video, ws: Workspace) -> list[AddedAudio]:
    """The tracks added after upload, their kept files fetched into the workspace."""
    added = []
    for track in video.audio_tracks:
        if track.source != "upload":
            continue
        path = added_file(ws, track.original_name)
        if not ws.in_place and not path.exists():
            ws.fetch_key(storage.work_key(video.id, f"{ADDED_AUDIO_DIR}/{track.original_name}"), path)
        added.append(AddedAudio(path=path, folder=track.folder, lang=track.lang, name=track.label, kind=track.kind))
    return added


def register_source_tracks(video: Video, state: dict):
    """What the pipeline's audio step made of the source (state["audio_tracks"]) replaces the source's
    earlier rows; added tracks stay. The main track is the default; without one, the first added."""
    for track in [t for t in video.audio_tracks if t.source == "source"]:
        video.audio_tracks.remove(track)
    made = state.get("audio_tracks") or []
    for number, found in enumerate(made):
        video.audio_tracks.append(AudioTrack(lang=found["lang"], label=found["name"][:100], kind=found["kind"],
                                             is_default=number == 0, source="source", stream_index=found["stream"],
                                             folder=found["folder"]))
    choose_default(video)


def choose_default(video: Video):
    """Exactly one default track when there is any: the current one, else the first main track, else the first."""
    tracks = list(video.audio_tracks)
    if not tracks or any(track.is_default for track in tracks):
        return
    chosen = next((track for track in tracks if track.kind == "main"), tracks[0])
    chosen.is_default = True


def renditions(tracks: list[AudioTrack]) -> list[audio.Rendition]:
    """The master's audio group from the rows, the default track first."""
    ordered = sorted(tracks, key=lambda track: (not track.is_default, track.id or 0))
    return [audio.Rendition(folder=track.folder, lang=track.lang, name=track.label, kind=track.kind,
                            default=track.is_default) for track in ordered]
