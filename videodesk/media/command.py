"""Shared pieces of every ffmpeg command we build with ffmpeg-python."""
import ffmpeg

from .probe import input_options

GLOBAL_ARGS = ("-nostdin", "-hide_banner", "-loglevel", "error", "-y")
PROGRESS_ARGS = ("-progress", "pipe:1", "-nostats")


def open_input(path, demuxer: str | None = None, **options):
    """An ffmpeg-python input that reads only this local file, with the demuxer forced."""
    return ffmpeg.input("file:" + str(path), **input_options(demuxer), **options)


def compile_command(output, *, progress: bool = False) -> list[str]:
    args = list(GLOBAL_ARGS) + (list(PROGRESS_ARGS) if progress else [])
    return output.global_args(*args).compile(cmd="ffmpeg")


def output_path(path) -> str:
    return "file:" + str(path)
