"""Full pipeline on a generated 60 s 1080p clip vs a baseline that runs one ffmpeg process per output.

Both sides use the same encoder settings, the same loudness measurement and the same outputs
(MP4, four HLS renditions plus audio, poster, storyboard, preview); the baseline decodes the
source again for each output, takes its poster PeerTube's way (middle of the clip + thumbnail)
and its storyboard by decoding every frame (fps=1/N). Usage: python -m bench.pipeline [seconds]
"""
import sys
import tempfile
from pathlib import Path

import ffmpeg

from videodesk.media import ladder, loudness, pipeline, probe, runner, storyboard
from videodesk.media.command import compile_command, open_input, output_path

from .common import generate_source, report, run_all, timed

TARGET = {"I": -16.0, "TP": -1.5, "LRA": 11.0}
LIMITS = pipeline.Limits(max_duration=36000, max_dimension=8192, ffmpeg_timeout=3600, ffprobe_timeout=60,
                         loudness_target=TARGET)
ENCODE = {"c:v": "libx264", "preset": "veryfast", "crf": 23, "profile:v": "high", "pix_fmt": "yuv420p"}


def baseline_commands(src: Path, out: Path, info, normalize: dict) -> list[list[str]]:
    renditions = ladder.renditions_for(info.video.display_width, info.video.display_height)
    web = ladder.web_rendition(renditions)
    commands = []

    def encode(rendition, dst, **extra):
        source = open_input(src, info.demuxer)
        picture = source["v:0"].filter("scale", rendition.width, rendition.height).filter("setsar", 1)
        audio = source["a:0"].filter("loudnorm", **normalize).filter("aresample", 48000)
        options = {**ENCODE, "maxrate": f"{rendition.maxrate_kbps}k", "bufsize": f"{rendition.maxrate_kbps * 2}k",
                   "c:a": "aac", "b:a": "128k", "ac": 2, "ar": 48000, **extra}
        return compile_command(ffmpeg.output(picture, audio, output_path(dst), **options))

    commands.append(encode(web, out / "video.mp4", movflags="+faststart", f="mp4"))
    for rendition in renditions:
        (out / rendition.name).mkdir()
        commands.append(encode(rendition, out / rendition.name / "index.m3u8", f="hls", hls_time=4,
                               hls_playlist_type="vod", hls_segment_type="fmp4"))
    middle = open_input(src, info.demuxer, ss=f"{info.duration / 2:.3f}")["v:0"].filter("thumbnail", 100)
    commands.append(compile_command(ffmpeg.output(middle, output_path(out / "poster.jpg"), **{"frames:v": 1})))
    plan = storyboard.plan_for(info.duration, web.width, web.height)
    every = (open_input(src, info.demuxer)["v:0"].filter("fps", f"1/{plan.interval}")
             .filter("scale", plan.tile_width, plan.tile_height).filter("tile", f"{plan.columns}x{plan.rows}"))
    commands.append(compile_command(ffmpeg.output(every, output_path(out / "storyboard.jpg"), **{"frames:v": 1})))
    clip = open_input(src, info.demuxer, ss="0", t="4")["v:0"].filter("scale", 480, -2)
    commands.append(compile_command(ffmpeg.output(clip, output_path(out / "preview.mp4"), an=None, **ENCODE)))
    return commands


def main(seconds: int = 60):
    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    src = generate_source(work / "source.mp4", seconds=seconds, size="1920x1080")
    info = probe.probe(src, timeout=60)

    def run_baseline():
        # The baseline measures loudness once, like ours, and reuses the result for every output.
        measured = loudness.parse_measurement(
            runner.run(loudness.measure_command(src, info, TARGET), timeout=600).stderr)
        run_all(baseline_commands(src, work / "baseline", info, loudness.normalize_args(measured, TARGET)))

    (work / "baseline").mkdir()
    baseline = timed(run_baseline)
    ours = timed(lambda: pipeline.run_steps(pipeline.Context(
        source=src, media_dir=work / "ours", work_dir=work / "ours-work", limits=LIMITS, state={})))

    print(f"source: {seconds} s of 1920x1080 H.264 ({src.stat().st_size / 1e6:.0f} MB); outputs in {work}")
    report(seconds, "baseline (one process per output)", baseline, "videodesk pipeline (one decode)", ours, 2)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
