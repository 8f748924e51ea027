"""A station logo burned into a picture (social cuts only: the ladder and the web MP4 stay clean,
and players show the logo as a page overlay instead)."""
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

MARGIN_SHARE = 0.03  # of the frame width, between the logo and the frame's edges


@dataclass(frozen=True)
class Logo:
    path: Path
    corner: str         # top-left, top-right, bottom-left, bottom-right
    size: float         # % of the frame width
    opacity: float      # 0..1


def position(corner: str, margin: int) -> tuple[str, str]:
    """overlay filter x and y expressions for a corner."""
    vertical, horizontal = corner.split("-")
    x = str(margin) if horizontal == "left" else f"main_w-overlay_w-{margin}"
    y = str(margin) if vertical == "top" else f"main_h-overlay_h-{margin}"
    return x, y


def open_logo(path):
    """The PNG, read as a single image with the PNG demuxer only, from this one local file."""
    return ffmpeg.input("file:" + str(path), f="png_pipe", protocol_whitelist="file", format_whitelist="png_pipe")


def burn_logo(picture, logo: Logo, frame_width: int):
    """`picture` with the logo scaled to its share of `frame_width`, faded to its opacity, in its corner."""
    width = max(2, round(frame_width * logo.size / 100 / 2) * 2)
    margin = round(frame_width * MARGIN_SHARE)
    mark = (open_logo(logo.path)["v:0"]
            .filter("scale", width, -1)
            .filter("format", "rgba")
            .filter("colorchannelmixer", aa=round(logo.opacity, 3)))
    x, y = position(logo.corner, margin)
    return ffmpeg.overlay(picture, mark, x=x, y=y, format="auto")
