"""Storyboard of a 10-minute clip: keyframe seeking (ours) vs decoding every frame (fps=1/N).

The input is what the pipeline feeds the storyboard step: an H.264 MP4 with a keyframe every
2 s, as our renditions have. Usage: python -m bench.storyboard [seconds]
"""
import sys
import tempfile
from pathlib import Path

import ffmpeg

from videodesk.media import ladder, storyboard
from videodesk.media.command import compile_command, open_input, output_path

from .common import generate_source, report, run_all, timed


def main(seconds: int = 600):
    work = Path(tempfile.mkdtemp(prefix="bench-storyboard-"))
    src = generate_source(work / "web.mp4", seconds=seconds, size="1280x720", gop_seconds=ladder.GOP_SECONDS)
    plan = storyboard.plan_for(seconds, 1280, 720)
    decode_all = (open_input(src, "mov")["v:0"].filter("fps", f"1/{plan.interval}")
                  .filter("scale", plan.tile_width, plan.tile_height).filter("tile", f"{plan.columns}x{plan.rows}"))
    baseline_cmd = compile_command(ffmpeg.output(decode_all, output_path(work / "baseline.jpg"), **{"frames:v": 1}))
    ours_cmd = storyboard.sprite_command(src, work / "ours.jpg", plan)

    baseline = timed(lambda: run_all([baseline_cmd]))
    ours = timed(lambda: run_all([ours_cmd]))
    print(f"source: {seconds} s of 1280x720 H.264, keyframe every {ladder.GOP_SECONDS} s; {plan.count} tiles")
    report(seconds, f"baseline (fps=1/{plan.interval}, every frame decoded)", baseline,
           "videodesk (keyframes only)", ours, 10)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
