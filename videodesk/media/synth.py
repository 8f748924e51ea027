"""Generated clips (test pattern + tone) for the demo story, tests and benchmarks."""
import ffmpeg

from videodesk.media.command import compile_command, output_path


def test_clip_command(dst, *, seconds: float = 3, size: str = "320x180", rate: int = 25,
                      audio: bool = True, frequency: int = 440) -> list[str]:
    picture = ffmpeg.input(f"testsrc2=size={size}:rate={rate}:duration={seconds}", f="lavfi")
    streams = [picture]
    options = {"c:v": "libx264", "preset": "ultrafast", "pix_fmt": "yuv420p", "f": "mp4"}
    if audio:
        streams.append(ffmpeg.input(f"sine=frequency={frequency}:duration={seconds}", f="lavfi"))
        options.update({"c:a": "aac", "b:a": "96k"})
    return compile_command(ffmpeg.output(*streams, output_path(dst), **options))
