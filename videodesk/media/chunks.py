"""The ladder of a long clip in time chunks that any worker can encode, then one seamless stream.

Chunks are cut on the constant-rate timeline of the ladder (`ladder.picture`): chunk k holds the
frames whose time is in [k*C, (k+1)*C), C a whole number of segments, so every chunk starts with
the keyframe and the segment the unchunked encode would start there. Each chunk seeks a little
before its first frame, keeps its exact frames by number (`select` on the CFR timestamps) and is
encoded from time zero; assembly renumbers the segments and moves each chunk's decode times
(tfdt/sidx) to where its first frame belongs, so players see one stream with no gap and no
duplicated frame. The sound is encoded once for the whole clip (loudness normalization needs it
all) as its own part."""
import math
import re
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg

from videodesk.media import fmp4, hls, ladder
from videodesk.media.command import compile_command, open_input
from videodesk.media.probe import MediaInfo

# Decoding starts this long before a chunk's first frame, so the frame-rate conversion sees the
# same neighbouring frames as in one pass.
SEEK_MARGIN_S = 1.0
ANALYSIS_NAME = "analysis.txt"


@dataclass(frozen=True)
class Chunk:
    index: int
    start_frame: int
    end_frame: int | None   # None: to the end of the source

    def start(self, fps: Fraction) -> float:
        return float(self.start_frame / fps)

    def end(self, fps: Fraction, duration: float) -> float:
        """Where the chunk stops: its end frame's time, or the source's end for the last chunk."""
        return duration if self.end_frame is None else float(self.end_frame / fps)


def frame_rate(info: MediaInfo) -> Fraction:
    """The ladder's output rate, exactly as the fps filter reads it."""
    return Fraction(str(ladder.output_fps(info.video.fps)))


def chunk_length(seconds: float) -> int:
    """Whole segments (SEGMENT_SECONDS, a multiple of GOP_SECONDS) per chunk."""
    return max(1, int(seconds // ladder.SEGMENT_SECONDS)) * ladder.SEGMENT_SECONDS


def plan(duration: float, fps: Fraction, chunk_seconds: float) -> list[Chunk]:
    """One chunk per `chunk_seconds` (rounded down to whole segments); the last runs to the end."""
    length = chunk_length(chunk_seconds)
    count = max(1, math.ceil(duration / length - 1e-6))
    starts = [math.ceil(k * length * fps) for k in range(count)]
    return [Chunk(k, start, starts[k + 1] if k + 1 < count else None) for k, start in enumerate(starts)]


def chunk_command(src, info: MediaInfo, out_dir, chunk: Chunk, renditions: list[ladder.Rendition]) -> list[str]:
    """Every video rendition of one chunk as fMP4 HLS in out_dir/<rendition>/, and its analysis
    track in out_dir/analysis.txt (times from the chunk's start)."""
    fps = frame_rate(info)
    seek = max(0.0, chunk.start(fps) - SEEK_MARGIN_S)
    window = {}
    if chunk.end_frame is not None:
        window["t"] = f"{float(chunk.end_frame / fps) - seek + SEEK_MARGIN_S:.6f}"
    source = open_input(src, info.demuxer, ss=f"{seek:.6f}", **window)
    frames = f"gte(pts,{chunk.start_frame})"
    if chunk.end_frame is not None:
        frames += f"*lt(pts,{chunk.end_frame})"
    # After the fps filter a frame's pts is its number on the timeline (time base 1/fps).
    current = ladder.picture(source, info).filter("select", frames).filter("setpts", "PTS-STARTPTS")
    options = ladder.keyframe_options(float(fps))
    streams, stream_map, smallest = ladder.scaled_renditions(current, renditions, options, audio=False)
    options.update(ladder.hls_options(out_dir, stream_map))
    encoded = ffmpeg.output(*streams, f"{out_dir}/%v/index.m3u8", **options)
    outputs = ffmpeg.merge_outputs(encoded, ladder.analysis_sink(smallest, Path(out_dir) / ANALYSIS_NAME))
    # Source timestamps are kept (minus the file's start time) so frames are chosen by their
    # place on the whole clip's timeline, not by where the seek landed.
    return compile_command(outputs, progress=True, extra=("-copyts", "-start_at_zero"))


def audio_command(src, info: MediaInfo, out_dir, loudnorm: dict | None) -> list[str]:
    """The whole clip's normalized sound as one fMP4 HLS rendition in out_dir."""
    options = {}
    audio = ladder.audio_stream(open_input(src, info.demuxer), info, loudnorm, options)
    options.update(ladder.hls_options(out_dir, None))
    return compile_command(ffmpeg.output(audio, f"{out_dir}/index.m3u8", **options), progress=True)


def shift_analysis(text: str, seconds: float) -> str:
    """An analysis track of a chunk on the whole clip's clock."""
    return re.sub(r"pts_time:(\S+)", lambda m: f"pts_time:{float(m.group(1)) + seconds:.6f}", text)


def merge_analysis(parts: list[Path], chunks: list[Chunk], fps: Fraction) -> str:
    """The chunks' analysis tracks as one, on the clip's clock (a chunk past a truncated end has none)."""
    texts = []
    for part, chunk in zip(parts, chunks):
        track = part / ANALYSIS_NAME
        if track.exists():
            texts.append(shift_analysis(track.read_text(), chunk.start(fps)))
    return "".join(texts)


def _join_rendition(parts: list[Path], chunks: list[Chunk], fps: Fraction, name: str, out: Path) -> dict:
    # A chunk past the end of a damaged source encodes no frame and writes no playlist.
    pairs = [(chunk, part / name) for chunk, part in zip(chunks, parts) if (part / name / "index.m3u8").exists()]
    chunks, folders = [chunk for chunk, _ in pairs], [folder for _, folder in pairs]
    playlists = [hls.read_media_playlist(folder / "index.m3u8") for folder in folders]
    inits = [playlist.init for playlist in playlists]
    init = inits[0].read_bytes()
    if any(other.read_bytes() != init for other in inits[1:]):
        raise ValueError(f"the chunks of {name} were encoded with different settings")
    timescale = fmp4.video_timescale(init)
    out.mkdir(parents=True)
    (out / "init.mp4").write_bytes(init)
    entries, peak = [], 0.0
    for chunk, playlist in zip(chunks, playlists):
        ticks = chunk.start_frame * timescale / fps
        if ticks.denominator != 1:
            raise ValueError(f"frame {chunk.start_frame} does not fall on a tick of {timescale}/s")
        for duration, segment in playlist.segments:
            target = f"seg_{len(entries):05d}.m4s"
            data = fmp4.shift_times(segment.read_bytes(), int(ticks), timescale)
            (out / target).write_bytes(data)
            entries.append((duration, target))
            peak = max(peak, len(data) * 8 / max(duration, 0.5))
    (out / "index.m3u8").write_text(hls.media_playlist(entries))
    return {"codec": fmp4.avc_codec(init), "bandwidth": int(peak), "segments": len(entries)}


def assemble(parts: list[Path], audio_part: Path | None, chunks: list[Chunk], info: MediaInfo,
             renditions: list[ladder.Rendition], out_dir: Path):
    """The ladder's HLS folder (master, one media playlist per rendition, audio) from the chunks' outputs."""
    fps = frame_rate(info)
    audio_bandwidth = 0
    if audio_part is not None:
        shutil.copytree(audio_part, out_dir / "audio", ignore=shutil.ignore_patterns(ANALYSIS_NAME))
        audio_bandwidth = int(ladder.AUDIO_BITRATE.rstrip("k")) * 1000
    variants = []
    for rendition in renditions:
        joined = _join_rendition(parts, chunks, fps, rendition.name, out_dir / rendition.name)
        variants.append({"name": rendition.name, "width": rendition.width, "height": rendition.height,
                         "codec": joined["codec"], "bandwidth": joined["bandwidth"] + audio_bandwidth})
    (out_dir / "master.m3u8").write_text(hls.master_playlist(variants, audio_part is not None))
