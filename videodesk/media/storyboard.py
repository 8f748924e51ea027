"""Scrub-preview storyboard: one sprite sheet plus a WebVTT track of `#xywh=` cues.

The demuxer drops every packet but keyframes (`-discard nokey`) and the decoder skips the rest
(`-skip_frame nokey`); our renditions have a keyframe every GOP_SECONDS, so a ten-minute clip
costs a few hundred decoded frames instead of every frame."""
import math
from dataclasses import dataclass

import ffmpeg

from videodesk.media.command import compile_command, open_input, output_path
from videodesk.media.ladder import GOP_SECONDS

TILE_WIDTH = 160
MAX_TILES = 100
COLUMNS = 10


@dataclass(frozen=True)
class Plan:
    interval: float
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int


def plan_for(duration: float, width: int, height: int) -> Plan:
    # Intervals are whole multiples of the GOP, so every tile is a keyframe.
    steps = max(1, math.ceil(duration / MAX_TILES / GOP_SECONDS))
    interval = steps * GOP_SECONDS
    count = max(1, math.ceil(duration / interval))
    columns = min(COLUMNS, count)
    tile_height = max(2, round(TILE_WIDTH * height / width / 2) * 2)
    return Plan(interval, count, columns, math.ceil(count / columns), TILE_WIDTH, tile_height)


def sprite_command(mp4_path, dst, plan: Plan) -> list[str]:
    keyframes = open_input(mp4_path, "mov", discard="nokey", skip_frame="nokey")["v:0"]
    # A simple -vf graph, not -filter_complex: ffmpeg 5 honours `-discard nokey` only for the former.
    chain = ",".join([
        f"select=isnan(prev_selected_t)+gte(t-prev_selected_t\\,{plan.interval - 0.05})",
        f"scale={plan.tile_width}:{plan.tile_height}",
        f"tile={plan.columns}x{plan.rows}",
    ])
    output = ffmpeg.output(keyframes, output_path(dst), vf=chain, **{
        "frames:v": 1, "q:v": 4, "f": "image2", "update": 1, "fps_mode": "passthrough"})
    return compile_command(output)


def _timestamp(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def thumbnails_vtt(plan: Plan, duration: float, sprite_name: str) -> str:
    lines = ["WEBVTT", ""]
    for i in range(plan.count):
        start, end = i * plan.interval, min((i + 1) * plan.interval, duration)
        x, y = (i % plan.columns) * plan.tile_width, (i // plan.columns) * plan.tile_height
        lines += [f"{_timestamp(start)} --> {_timestamp(end)}",
                  f"{sprite_name}#xywh={x},{y},{plan.tile_width},{plan.tile_height}", ""]
    return "\n".join(lines)
