"""Poster frame: a representative frame near the start, taken from the web MP4."""
import ffmpeg

from .command import compile_command, open_input, output_path

SAMPLE_FRAMES = 60


def poster_time(duration: float) -> float:
    """Skip openings (slates, fades) but stay early, where the story is set up."""
    return min(duration * 0.2, 8.0)


def poster_command(mp4_path, dst, duration: float) -> list[str]:
    source = open_input(mp4_path, "mov", ss=f"{poster_time(duration):.3f}")
    # thumbnail picks the frame closest to the average of a batch, avoiding flashes and black.
    frame = source["v:0"].filter("thumbnail", SAMPLE_FRAMES)
    output = ffmpeg.output(frame, output_path(dst), **{"frames:v": 1, "q:v": 3, "f": "image2", "update": 1})
    return compile_command(output)
