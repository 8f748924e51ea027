"""A video's audio tracks as rows: the source's own tracks registered when processing finishes, the
added ones handed to the pipeline when it runs again, and the master's renditions made from the rows
(media/audio.py builds the playlist)."""
from pathlib import Path

from videodesk.core import db, storage
from videodesk.core.models import AudioTrack, Video
from videodesk.jobs.workspace import Workspace
from videodesk.media import audio, hls
from videodesk.media.pipeline import ADDED_AUDIO_DIR, HLS_DIR, AddedAudio, Context, Sound
from videodesk.media.runner import run


def added_file(ws: Workspace, name: str) -> Path:
    return ws.work_dir / ADDED_AUDIO_DIR / name


# Tracks whose speech gets automatic captions of its own (a description or a commentary does not).
SPOKEN_KINDS = ("main", "dub")


def added_sound(video: Video, ws: Workspace, track: AudioTrack) -> Sound:
    """An added track's kept file as a sound to transcribe (fetched into the workspace if needed)."""
    path = added_file(ws, track.original_name)
    if not ws.in_place and not path.exists():
        ws.fetch_key(storage.work_key(video.id, f"{ADDED_AUDIO_DIR}/{track.original_name}"), path)
    return Sound(path, audio.KEPT_DEMUXER, 0, picture_start(video))


def other_spoken_sounds(video: Video, ws: Workspace, ctx: Context) -> list[tuple[str, Sound]]:
    """(language, sound) of every spoken-language track but the main one: the source's dubs (from the
    probe, so this works before the tracks are registered) and the dubs added later."""
    sounds = [(audio.track_language(stream), Sound(ctx.source, ctx.info.demuxer, stream.index))
              for stream in audio.source_streams(ctx.info)[1:] if audio.stream_kind(stream) in SPOKEN_KINDS]
    sounds += [(track.lang, added_sound(video, ws, track)) for track in video.audio_tracks
               if track.source == "upload" and track.kind in SPOKEN_KINDS]
    return sounds


def spoken_track(video: Video, lang: str | None) -> AudioTrack | None:
    """The track in which a social cut in `lang` speaks, when it is not the main one."""
    return next((track for track in video.audio_tracks if lang and track.lang == lang and not track.is_default
                 and track.kind in SPOKEN_KINDS), None)


def fetch_rendition(ws: Workspace, folder: str):
    """A track's rendition (playlist, init, segments) in the workspace, for joining."""
    playlist = ws.fetch_media(f"{HLS_DIR}/{folder}/index.m3u8")
    for path in hls.read_media_playlist(playlist).files():
        ws.fetch_media(path.relative_to(ws.media_dir).as_posix())


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
        sound = added_sound(video, ws, track)
        added.append(AddedAudio(path=sound.path, folder=track.folder, lang=track.lang, name=track.label,
                                kind=track.kind, start=sound.start))
    return added


def picture_start(video: Video) -> float:
    """Where the picture starts on the original's timeline, which kept files follow (media/audio.keep_command)."""
    return float(video.trim.start) if video.trim else 0.0


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
    """The master's audio group from the rows: the default track, the source's, then the added ones."""
    ordered = sorted(tracks, key=lambda track: (not track.is_default, track.source, track.id or 0))
    return [audio.Rendition(folder=track.folder, lang=track.lang, name=track.label, kind=track.kind,
                            default=track.is_default) for track in ordered]


def _parent_kept_file(parent_id: str, name: str, ws: Workspace) -> Path | None:
    if ws.in_place:
        path = storage.upload_dir(parent_id) / "work" / ADDED_AUDIO_DIR / name
        return path if path.is_file() else None
    path = ws.root / "parent-audio" / name
    try:
        ws.fetch_key(storage.work_key(parent_id, f"{ADDED_AUDIO_DIR}/{name}"), path)
    except FileNotFoundError:
        return None
    return path


def carry_to_clip(video: Video, ws: Workspace, timeout: float):
    """A clip keeps the tracks added to its parent (the source's own tracks come with the cut source):
    the clip's range of each kept file becomes the clip's kept file, listed like the parent's."""
    parent = db.session().get(Video, video.clip_of.id)
    carried = {track.original_name for track in video.audio_tracks}
    for track in parent.audio_tracks if parent is not None else []:
        if track.source != "upload" or track.original_name in carried:
            continue
        source = _parent_kept_file(parent.id, track.original_name, ws)
        if source is None:
            continue
        kept = added_file(ws, track.original_name)
        kept.parent.mkdir(parents=True, exist_ok=True)
        run(audio.range_command(source, video.clip_of.start, video.clip_of.end, kept), timeout=timeout,
            what="Cutting an audio track")
        video.audio_tracks.append(AudioTrack(lang=track.lang, label=track.label, kind=track.kind, is_default=False,
                                             source="upload", original_name=track.original_name, folder=track.folder))
