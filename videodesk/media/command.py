"""Shared pieces of every ffmpeg command we build with ffmpeg-python."""
import ffmpeg

# Demuxers for real video files. Playlists (hls, concat), images and raw streams are
# excluded, so a hostile file cannot make ffmpeg open other files or the network.
ALLOWED_DEMUXERS = (
    "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "flv",
    "mpegts", "mpeg", "mxf", "ogg", "asf", "dv",
    "wav", "mp3", "flac", "aac",  # sound-only files: added audio tracks
)
# The widest and tallest accepted picture (probe.validate), and no decoder makes a larger one: H.264
# may change size mid-stream, so a file probed at 320x180 can carry far larger frames later
# (docs/SECURITY.md, finding 2).
MAX_DIMENSION = 8192
MAX_PIXELS = MAX_DIMENSION * MAX_DIMENSION
GLOBAL_ARGS = ("-nostdin", "-hide_banner", "-loglevel", "error", "-y")
PROGRESS_ARGS = ("-progress", "pipe:1", "-nostats")


def input_options(demuxer: str | None = None) -> dict:
    """ffmpeg input options that confine reading to the one local file and bound each decoded picture."""
    options = {"protocol_whitelist": "file", "format_whitelist": ",".join(ALLOWED_DEMUXERS),
               "max_pixels": str(MAX_PIXELS)}
    if demuxer:
        options["f"] = demuxer
    return options


def ffprobe_args() -> list[str]:
    """The start of every ffprobe command: quiet, and confined like every ffmpeg input."""
    args = ["ffprobe", "-hide_banner", "-v", "error"]
    for key, value in input_options().items():
        args += [f"-{key}", value]
    return args


def open_input(path, demuxer: str | None = None, **options):
    """An ffmpeg-python input that reads only this local file, with the demuxer forced."""
    return ffmpeg.input("file:" + str(path), **input_options(demuxer), **options)


def compile_command(output, *, progress: bool = False, extra: tuple = ()) -> list[str]:
    args = list(GLOBAL_ARGS) + (list(PROGRESS_ARGS) if progress else []) + list(extra)
    return output.global_args(*args).compile(cmd="ffmpeg")


def output_path(path) -> str:
    return "file:" + str(path)
