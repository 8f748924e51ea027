"""Pipeline v1 for one source file: probe, validate, web MP4, poster."""
from dataclasses import dataclass
from pathlib import Path

from .files import atomic_output, remove_stale_temp_files
from .poster import poster_command
from .probe import MediaInfo, probe, validate
from .runner import MediaError, run
from .transcode import mp4_command

MP4_NAME = "video.mp4"
POSTER_NAME = "poster.jpg"
# Share of the progress bar each step fills.
TRANSCODE_SHARE = 0.9
# Less than this share of the declared duration decoded means the file is cut short.
DECODABLE_SHARE = 0.8


@dataclass
class Limits:
    max_duration: float
    max_dimension: int
    ffmpeg_timeout: float
    ffprobe_timeout: float

    def step_timeout(self, duration: float) -> float:
        """Generous for slow machines, yet bounded so nothing hangs."""
        return min(self.ffmpeg_timeout, 120 + 20 * duration)


@dataclass
class Result:
    source: MediaInfo
    web: MediaInfo
    outputs: dict


def process_source(source: Path, media_dir: Path, limits: Limits, report=lambda fraction: None) -> Result:
    remove_stale_temp_files(media_dir)
    info = probe(source, timeout=limits.ffprobe_timeout)
    validate(info, max_duration=limits.max_duration, max_dimension=limits.max_dimension)
    timeout = limits.step_timeout(info.duration)

    mp4 = media_dir / MP4_NAME
    with atomic_output(mp4) as tmp:
        run(mp4_command(source, tmp, info), timeout=timeout, what="Transcoding",
            on_progress=lambda seconds: report(TRANSCODE_SHARE * min(1.0, seconds / info.duration)))
        web = probe(tmp, timeout=limits.ffprobe_timeout)
        if web.duration < info.duration * DECODABLE_SHARE - 0.5:
            raise MediaError(
                f"Only {web.duration:.1f} s of the declared {info.duration:.1f} s could be decoded; "
                "the file looks truncated or damaged."
            )

    with atomic_output(media_dir / POSTER_NAME) as tmp:
        run(poster_command(mp4, tmp, web.duration), timeout=timeout, what="Poster extraction")
    report(1.0)
    return Result(source=info, web=web, outputs={"mp4": MP4_NAME, "poster": POSTER_NAME})
