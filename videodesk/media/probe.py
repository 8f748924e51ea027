"""ffprobe: what is in a file, and whether we accept it."""
import json
from dataclasses import asdict, dataclass, field
from fractions import Fraction

from videodesk.core.text import whole_number
from videodesk.media.command import ffprobe_args
from videodesk.media.runner import MediaError, MediaTimeout, run

# How many streams of each kind a file may hold (docs/SECURITY.md, finding 2): each audio track and
# each text subtitle stream becomes work and a track of its own. Stream counts are checked here only.
MAX_VIDEO_STREAMS = 4
MAX_AUDIO_STREAMS = 16
MAX_SUBTITLE_STREAMS = 16
# A file may declare at most this many frames per frame it holds (plus a slack for short files):
# 2 coded frames 20 minutes apart declared at 60 fps would become 72,001 frames per rendition.
SPARSE_FACTOR = 20
SPARSE_SLACK_FRAMES = 600
UNREADABLE = "The file is not a video we can read (it may be empty, truncated, or another kind of file)."


@dataclass
class VideoStream:
    index: int
    codec: str
    width: int
    height: int
    display_width: int
    display_height: int
    rotation: int
    fps: float
    pix_fmt: str
    field_order: str
    frames: int | None = None  # the container's frame count (MP4 has one; Matroska and TS do not)


@dataclass
class AudioStream:
    index: int
    codec: str
    channels: int
    sample_rate: int
    language: str = "und"     # the container's language tag (ISO 639-2 mostly), as written
    title: str = ""
    default: bool = False     # the default disposition: the main track
    role: str = ""            # "description", "commentary" or "dub" from the stream's disposition


@dataclass
class MediaInfo:
    demuxer: str
    format_name: str
    duration: float
    size: int
    bit_rate: int
    video: VideoStream | None
    audio: AudioStream | None     # the main sound: the default-disposition stream, else the first
    subtitles: list = field(default_factory=list)
    video_streams: int = 1
    audio_streams: int = 0
    sounds: list[AudioStream] = field(default_factory=list)  # every sound stream, main first

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "MediaInfo":
        return cls(**{**data, "video": VideoStream(**data["video"]) if data.get("video") else None,
                      "audio": AudioStream(**data["audio"]) if data.get("audio") else None,
                      "sounds": [AudioStream(**a) for a in data.get("sounds") or []]})


def probe_command(path) -> list[str]:
    return ffprobe_args() + ["-show_format", "-show_streams", "-of", "json", "file:" + str(path)]


def _rate(text: str | None) -> float:
    try:
        value = Fraction((text or "0").replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(value) if value > 0 else 0.0


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    degrees = whole_number((stream.get("tags") or {}).get("rotate"), signed=True)
    return -degrees % 360 if degrees is not None else 0


def _video_stream(stream: dict) -> VideoStream:
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    sar = _rate(stream.get("sample_aspect_ratio")) or 1.0
    display_width, display_height = round(width * sar), height
    rotation = _rotation(stream)
    if rotation in (90, 270):
        display_width, display_height = display_height, display_width
    return VideoStream(
        index=int(stream["index"]), codec=stream.get("codec_name", "unknown"), width=width, height=height,
        display_width=display_width, display_height=display_height, rotation=rotation,
        fps=_rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate")),
        pix_fmt=stream.get("pix_fmt", ""), field_order=stream.get("field_order", "unknown"),
        frames=whole_number(stream.get("nb_frames")),
    )


# ffprobe's disposition flags that say what a sound stream is for.
AUDIO_ROLES = (("visual_impaired", "description"), ("descriptions", "description"), ("comment", "commentary"),
               ("dub", "dub"))


def _audio_stream(stream: dict) -> AudioStream:
    tags, disposition = stream.get("tags") or {}, stream.get("disposition") or {}
    role = next((role for flag, role in AUDIO_ROLES if disposition.get(flag)), "")
    return AudioStream(index=int(stream["index"]), codec=stream.get("codec_name", "unknown"),
                       channels=int(stream.get("channels") or 0), sample_rate=int(stream.get("sample_rate") or 0),
                       language=str(tags.get("language") or "und")[:16], title=str(tags.get("title") or "")[:100],
                       default=bool(disposition.get("default")), role=role)


def parse_probe(output: str) -> MediaInfo:
    data = json.loads(output or "{}")
    fmt = data.get("format") or {}
    if not fmt:
        raise MediaError(UNREADABLE)
    streams = data.get("streams") or []
    videos = [s for s in streams if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get("attached_pic")]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    subtitles = [{"index": int(s["index"]), "codec": s.get("codec_name", "unknown"),
                  "lang": (s.get("tags") or {}).get("language", "und")}
                 for s in streams if s.get("codec_type") == "subtitle"]
    video = _video_stream(videos[0]) if videos else None
    sounds = sorted((_audio_stream(a) for a in audios), key=lambda a: not a.default)
    audio = sounds[0] if sounds else None
    duration = float(fmt.get("duration") or (videos[0].get("duration") if videos else 0) or 0)
    return MediaInfo(
        demuxer=fmt.get("format_name", "").split(",")[0], format_name=fmt.get("format_name", ""),
        duration=duration, size=int(fmt.get("size") or 0), bit_rate=int(fmt.get("bit_rate") or 0),
        video=video, audio=audio, subtitles=subtitles, video_streams=len(videos), audio_streams=len(audios),
        sounds=sounds,
    )


def validate(info: MediaInfo, *, max_duration: float, max_dimension: int) -> None:
    """Refuse what the pipeline cannot or should not process, with a reason a producer understands."""
    if info.video is None:
        if info.audio is not None:
            raise MediaError("The file has sound but no picture; audio-only files are not accepted as videos.")
        raise MediaError(UNREADABLE)
    v = info.video
    if v.codec in ("unknown", "none") or v.width <= 0 or v.height <= 0:
        raise MediaError("The video track uses a format we cannot decode.")
    if v.width > max_dimension or v.height > max_dimension:
        raise MediaError(f"The picture is {v.width}x{v.height}; the largest accepted is {max_dimension}x{max_dimension}.")
    if info.duration <= 0:
        raise MediaError("The file has no playable duration (it may be truncated).")
    if info.duration > max_duration:
        raise MediaError(f"The video is {info.duration / 60:.0f} minutes long; the limit is {max_duration / 60:.0f} minutes.")
    for kind, count, cap in (("video", info.video_streams, MAX_VIDEO_STREAMS),
                             ("audio", info.audio_streams, MAX_AUDIO_STREAMS),
                             ("subtitle", len(info.subtitles), MAX_SUBTITLE_STREAMS)):
        if count > cap:
            raise MediaError(f"The file has {count} {kind} streams; at most {cap} are accepted.")


def packet_count_command(path, stream_index: int) -> list[str]:
    """Count one stream's packets: a pass over the file that reads, but decodes nothing."""
    return ffprobe_args() + ["-select_streams", str(stream_index), "-count_packets", "-show_entries", "stream=nb_read_packets",
                   "-of", "csv=p=0", "file:" + str(path)]


def check_frame_count(info: MediaInfo, frames: int) -> None:
    """Refuse a file that declares far more frames (duration x frame rate) than it holds: the
    constant-frame-rate ladder would make every declared frame."""
    declared = info.duration * info.video.fps
    if declared > SPARSE_FACTOR * frames + SPARSE_SLACK_FRAMES:
        raise MediaError(f"The video declares {info.video.fps:g} frames per second but holds only {frames} frames in "
                         f"{info.duration / 60:.0f} minutes; export it again at its real frame rate.")


def video_frames(path, info: MediaInfo, *, timeout: float) -> int:
    """The frames the video stream holds: the container's count, else its packets counted."""
    if info.video.frames is not None:
        return info.video.frames
    output = run(packet_count_command(path, info.video.index), timeout=timeout, what="Frame count").stdout
    return whole_number(output.strip().split("\n")[0]) or 0


def probe(path, *, timeout: float) -> MediaInfo:
    try:
        output = run(probe_command(path), timeout=timeout, what="ffprobe").stdout
    except MediaTimeout:
        raise
    except MediaError as exc:
        raise MediaError(UNREADABLE) from exc
    return parse_probe(output)
