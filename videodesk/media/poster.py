"""Poster images at one timestamp: JPEG and WebP in several widths for srcset, from one seek."""
import ffmpeg

from videodesk.media.command import compile_command, open_input, output_path

WIDTHS = (1280, 640, 320)


def poster_widths(video_width: int) -> list[int]:
    """Standard widths below the video's own, plus the video's own width (never upscaled)."""
    return sorted({video_width, *(w for w in WIDTHS if w < video_width)}, reverse=True)


def poster_command(mp4_path, time: float, outputs: list[tuple[int, int, str, object]]) -> list[str]:
    """outputs: (width, height, "jpeg"|"webp", path) for each file to write."""
    # -ss after the input option set is still an input seek: fast, and exact for an MP4.
    frame = open_input(mp4_path, "mov", ss=f"{time:.3f}")["v:0"].split()
    files = []
    for i, (width, height, kind, path) in enumerate(outputs):
        scaled = frame[i].filter("scale", width, height)
        options = {"frames:v": 1, "update": 1, "f": "image2"}
        options.update({"q:v": 3} if kind == "jpeg" else {"c:v": "libwebp", "quality": 80})
        files.append(ffmpeg.output(scaled, output_path(path), **options))
    return compile_command(ffmpeg.merge_outputs(*files))
