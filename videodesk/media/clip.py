"""Frame-accurate cuts of a range of a source (clips and trims).

Where the range starts on a keyframe of a stream without B-frames, the video is stream-copied
(no generation loss, seconds for an hour). Otherwise the range is re-encoded with a high-quality
x264 (CRF 16): stream copy can only start on a keyframe, and with B-frames ffmpeg cuts the end in
decode order, which keeps or loses frames around `end`. The cut is an intermediate (Matroska, FLAC
sound) that the normal pipeline then transcodes, so a near-lossless re-encode costs little.

Frames are picked by time with half-frame margins, so float rounding never adds or drops one:
the first frame is the one shown at `start`, the last the one shown just before `end`."""
import json
from dataclasses import dataclass

import ffmpeg

from videodesk.media import audio
from videodesk.media.command import compile_command, ffprobe_args, open_input, output_path
from videodesk.media.probe import AudioStream, MediaInfo, probe
from videodesk.media.runner import MediaError, run

MIN_LENGTH_S = 0.5
REENCODE_CRF = 16
# ultrafast: a clip is the desk's urgent job; 20 s of 1080p re-encoded in 31 s instead of 71 s (veryfast) on
# the loaded 2-core machine, for a file about twice the size (an intermediate the pipeline transcodes again).
REENCODE_PRESET = "ultrafast"
DEFAULT_FPS = 30.0
# Past a keyframe, so ffmpeg's backward seek lands on it and stream copy keeps it.
COPY_SEEK_NUDGE_S = 0.0005
# How far around `start` keyframes are looked for; a GOP longer than this is not stream-copied.
KEYFRAME_WINDOW_S = 1.0


@dataclass(frozen=True)
class StreamFacts:
    start_time: float           # the container's first timestamp (ffmpeg's -ss is relative to it)
    keyframes: tuple            # keyframe times near the cut, relative to start_time
    has_b_frames: bool


def keyframes_command(path, start: float) -> list[str]:
    """ffprobe: the video packets (time and flags) around `start`, the container start and B-frames."""
    window = f"{max(0.0, start - KEYFRAME_WINDOW_S):.6f}%{start + KEYFRAME_WINDOW_S:.6f}"
    return ffprobe_args() + ["-select_streams", "v:0", "-read_intervals", window,
                   "-show_entries", "packet=pts_time,flags:stream=has_b_frames:format=start_time",
                   "-of", "json", "file:" + str(path)]


def parse_keyframes(output: str) -> StreamFacts:
    data = json.loads(output or "{}")
    start_time = float((data.get("format") or {}).get("start_time") or 0.0)
    keyframes = sorted(float(p["pts_time"]) - start_time for p in data.get("packets") or []
                       if "K" in p.get("flags", "") and p.get("pts_time") not in (None, "N/A"))
    streams = data.get("streams") or [{}]
    return StreamFacts(start_time=start_time, keyframes=tuple(keyframes),
                       has_b_frames=int(streams[0].get("has_b_frames") or 0) > 0)


def frame_duration(info: MediaInfo) -> float:
    return 1.0 / (info.video.fps if info.video and info.video.fps > 0 else DEFAULT_FPS)


def copy_start(facts: StreamFacts, start: float, frame: float) -> float | None:
    """The keyframe a stream copy can start at for `start`, or None when the range must be re-encoded."""
    if facts.has_b_frames:
        return None
    return next((k for k in facts.keyframes if abs(k - start) < frame / 2), None)


def sound_options(sounds: list[AudioStream]) -> dict:
    """Every sound stream kept in the cut with its language, title and the main one as default, so
    the clip's pipeline finds the same audio tracks as its parent's (media/audio.py)."""
    options = {"c:a": "flac"} if sounds else {}
    for number, sound in enumerate(sounds):
        options[f"metadata:s:a:{number}"] = f"language={sound.language}"
        if sound.title:
            options[f"metadata:s:{number + 1}"] = f"title={sound.title}"  # output stream 0 is the picture
        options[f"disposition:a:{number}"] = "default" if number == 0 else "0"
    return options


def copy_command(src, dst, keyframe: float, end: float, sounds: list[AudioStream]) -> list[str]:
    """Video stream-copied from the keyframe at the range's start; sound decoded and cut exactly."""
    seek = keyframe + COPY_SEEK_NUDGE_S
    source = open_input(src, ss=f"{seek:.6f}")
    streams = [source["v:0"]] + [source[str(sound.index)] for sound in sounds]
    options = {"t": f"{end - seek:.6f}", "c:v": "copy", "f": "matroska", "map_metadata": "-1", **sound_options(sounds)}
    return compile_command(ffmpeg.output(*streams, output_path(dst), **options), progress=True)


def reencode_command(src, dst, start: float, end: float, frame: float, sounds: list[AudioStream]) -> list[str]:
    """The range decoded and encoded again: ffmpeg's accurate seek keeps frames from half a frame
    before `start` (so the frame shown at `start` comes first); `trim` stops half a frame early."""
    half = frame / 2
    seek = max(0.0, start - half)
    source = open_input(src, ss=f"{seek:.6f}")
    picture = source["v:0"].trim(duration=f"{end - start - half:.6f}").setpts("PTS-STARTPTS")
    streams = [picture] + [
        source[str(sound.index)].filter("atrim", start=f"{start - seek:.6f}", duration=f"{end - start:.6f}")
        .filter("asetpts", "PTS-STARTPTS") for sound in sounds]
    options = {"c:v": "libx264", "preset": REENCODE_PRESET, "crf": REENCODE_CRF, "f": "matroska",
               "map_metadata": "-1", **sound_options(sounds)}
    return compile_command(ffmpeg.output(*streams, output_path(dst), **options), progress=True)


def cut(src, dst, start: float, end: float, *, timeout: float, probe_timeout: float,
        report=lambda fraction: None) -> str:
    """Write the range [start, end) of `src` to `dst`; returns "copy" or "reencode" (the method used)."""
    info = probe(src, timeout=probe_timeout)
    if info.video is None:
        raise MediaError("The original has no picture to cut.")
    # The web MP4 the producer saw can outlast the original by an audio frame or two.
    end = min(end, info.duration)
    if end - start < MIN_LENGTH_S / 2:
        raise MediaError(f"The range {start:.3f}-{end:.3f} s is not within the original ({info.duration:.3f} s).")
    frame = frame_duration(info)
    facts = parse_keyframes(run(keyframes_command(src, start), timeout=probe_timeout, what="Keyframe search").stdout)
    keyframe = copy_start(facts, start, frame)
    sounds = audio.source_streams(info)
    if keyframe is not None:
        method, args = "copy", copy_command(src, dst, keyframe, end, sounds)
    else:
        method, args = "reencode", reencode_command(src, dst, start, end, frame, sounds)
    run(args, timeout=timeout, what="Cutting the range",
        on_progress=lambda seconds: report(min(1.0, seconds / max(end - start, 0.001))))
    return method
