"""The preview loop for section fronts: a few muted seconds of the most active part, as MP4 and
animated WebP, both from one seek and one decode."""
import ffmpeg

from videodesk.media.command import compile_command, open_input, output_path

LENGTH_S = 4.0
MP4_WIDTH = 480
WEBP_WIDTH = 320
WEBP_FPS = 10


def preview_command(mp4_path, start: float, length: float, mp4_dst, webp_dst) -> list[str]:
    clip = open_input(mp4_path, "mov", ss=f"{start:.3f}", t=f"{length:.3f}")["v:0"].split()
    mp4 = ffmpeg.output(
        clip[0].filter("scale", MP4_WIDTH, -2).filter("setsar", 1), output_path(mp4_dst),
        **{"c:v": "libx264", "preset": "veryfast", "crf": 28, "pix_fmt": "yuv420p", "an": None,
           "movflags": "+faststart", "f": "mp4"})
    webp = ffmpeg.output(
        clip[1].filter("fps", WEBP_FPS).filter("scale", WEBP_WIDTH, -2), output_path(webp_dst),
        **{"c:v": "libwebp_anim", "loop": 0, "quality": 60, "f": "webp"})
    return compile_command(ffmpeg.merge_outputs(mp4, webp))
