"""The web MP4: H.264/AAC, at most 720p, even dimensions, square pixels, fast start."""
import ffmpeg

from .command import compile_command, open_input, output_path
from .probe import MediaInfo


def fit_within(width: int, height: int, short_side: int = 720, long_side: int = 1280) -> tuple[int, int]:
    """Scale display dimensions down (never up) to fit the box, rounding down to even sizes for x264."""
    scale = min(1.0, short_side / min(width, height), long_side / max(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def mp4_command(src, dst, info: MediaInfo, *, short_side: int = 720, long_side: int = 1280) -> list[str]:
    width, height = fit_within(info.video.display_width, info.video.display_height, short_side, long_side)
    source = open_input(src, info.demuxer)
    # ffmpeg applies the rotation metadata itself (autorotate) before our filters run.
    picture = (
        source[str(info.video.index)]
        .filter("scale", width, height)
        .filter("setsar", 1)
        .filter("format", "yuv420p")
    )
    streams = [picture]
    options = {
        "c:v": "libx264", "preset": "veryfast", "crf": 23, "profile:v": "high",
        "movflags": "+faststart", "map_metadata": -1, "f": "mp4",
    }
    if info.audio is not None:
        streams.append(source[str(info.audio.index)])
        options.update({"c:a": "aac", "b:a": "128k", "ac": 2, "ar": 48000})
    return compile_command(ffmpeg.output(*streams, output_path(dst), **options), progress=True)
