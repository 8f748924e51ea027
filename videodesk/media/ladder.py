"""The single transcoding pass: one decode feeds every HLS rendition, the normalized audio and
the analysis track (scene change, black share, blur per sampled frame) used to pick the poster
and the preview. Keyframes fall every GOP_SECONDS in every rendition, so players switch cleanly
and the storyboard can be cut from keyframes alone."""
from dataclasses import dataclass

import ffmpeg

from videodesk.media.command import compile_command, open_input, output_path
from videodesk.media.probe import MediaInfo

GOP_SECONDS = 2
SEGMENT_SECONDS = 4
MAX_FPS = 60
ANALYSIS_FPS = 5
ANALYSIS_WIDTH = 160
AUDIO_BITRATE = "128k"


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    maxrate_kbps: int


def fit_within(width: int, height: int, short_side: int = 720, long_side: int = 1280) -> tuple[int, int]:
    """Scale display dimensions down (never up) to fit the box, with the even sizes x264 needs."""
    scale = min(1.0, short_side / min(width, height), long_side / max(width, height))

    def even(size: int) -> int:
        return max(2, min(int(size * scale / 2 + 0.5) * 2, size // 2 * 2))

    return even(width), even(height)


# (short side, name, max bit rate at 30 fps) of the ladder, best first.
LADDER = ((1080, "1080p", 5000), (720, "720p", 2800), (480, "480p", 1400), (360, "360p", 800))


def renditions_for(display_width: int, display_height: int) -> list[Rendition]:
    """The ladder steps the source can fill (never upscaled); a tiny source gets one step at its size."""
    short = min(display_width, display_height)
    steps = []
    for size, name, rate in LADDER:
        if size <= short:
            width, height = fit_within(display_width, display_height, size, round(size * 16 / 9))
            steps.append(Rendition(name, width, height, rate))
    if not steps:
        width, height = fit_within(display_width, display_height, short, max(display_width, display_height))
        steps.append(Rendition(f"{min(width, height)}p", width, height, 600))
    return steps


def web_rendition(renditions: list[Rendition]) -> Rendition:
    """The rendition also offered as the plain MP4: 720p or the best below it."""
    return next((r for r in renditions if min(r.width, r.height) <= 720), renditions[-1])


def output_fps(fps: float) -> float:
    """Constant frame rate (variable-rate phone video included), capped at 60."""
    if fps <= 0 or fps > 240:
        return 30.0
    return round(min(fps, MAX_FPS), 3)


def picture(source, info: MediaInfo):
    """The source picture on a constant-rate timeline: rotation is applied by ffmpeg itself;
    only frames flagged interlaced are deinterlaced. Frame n of the output is at n / fps."""
    return (source[str(info.video.index)]
            .filter("yadif", mode=0, parity=-1, deint="interlaced")
            .filter("fps", output_fps(info.video.fps)))


def keyframe_options(fps: float, preset: str = "veryfast", crf: int = 23) -> dict:
    """x264 settings with a keyframe every GOP_SECONDS at the same instants in every rendition."""
    gop = max(1, round(fps * GOP_SECONDS))
    return {
        "c:v": "libx264", "preset": preset, "crf": crf, "profile:v": "high", "pix_fmt": "yuv420p",
        "g": gop, "keyint_min": gop, "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{GOP_SECONDS})",
    }


def scaled_renditions(current, renditions: list[Rendition], options: dict, audio: bool):
    """Cascade: each rendition is scaled from the one above it, not from the full-size source; the
    source is decoded and scaled down once. Returns (streams, var_stream_map entries, the smallest
    picture for further use)."""
    streams, stream_map = [], []
    for i, rendition in enumerate(renditions):
        branches = current.filter("scale", rendition.width, rendition.height).filter("setsar", 1).split()
        streams.append(branches[0])
        current = branches[1]
        options[f"maxrate:v:{i}"] = f"{rendition.maxrate_kbps}k"
        options[f"bufsize:v:{i}"] = f"{rendition.maxrate_kbps * 2}k"
        stream_map.append(f"v:{i},agroup:audio,name:{rendition.name}" if audio else f"v:{i},name:{rendition.name}")
    return streams, stream_map, current


def audio_stream(source, info: MediaInfo, loudnorm: dict | None, options: dict):
    """The main sound, normalized by the measured loudness (both passes need the whole clip)."""
    return normalized_aac(source[str(info.audio.index)], loudnorm, options)


def normalized_aac(audio, loudnorm: dict | None, options: dict):
    """Any sound stream as the ladder's AAC (stereo, 48 kHz), loudness-normalized when measured:
    the main track and every other audio track sound alike."""
    if loudnorm:
        audio = audio.filter("loudnorm", **loudnorm).filter("aresample", 48000)
    options.update({"c:a": "aac", "b:a": AUDIO_BITRATE, "ac": 2, "ar": 48000})
    return audio


def hls_options(out_dir, stream_map: list[str] | None) -> dict:
    """fMP4 HLS, SEGMENT_SECONDS per segment; with a stream map, one folder per rendition."""
    options = {
        "f": "hls", "hls_time": SEGMENT_SECONDS, "hls_playlist_type": "vod", "hls_segment_type": "fmp4",
        "hls_fmp4_init_filename": "init.mp4", "hls_flags": "independent_segments",
    }
    if stream_map is None:
        options["hls_segment_filename"] = f"{out_dir}/seg_%05d.m4s"
    else:
        options.update({"hls_segment_filename": f"{out_dir}/%v/seg_%05d.m4s", "master_pl_name": "master.m3u8",
                        "var_stream_map": " ".join(stream_map)})
    return options


def analysis_sink(current, analysis_file):
    """The analysis track: scene change, black share and blur of a few small frames a second."""
    analysis = (current
                .filter("fps", ANALYSIS_FPS)
                .filter("scale", ANALYSIS_WIDTH, -2)
                .filter("select", "gte(scene,0)")
                .filter("blackframe", amount=0, threshold=32)
                .filter("blurdetect")
                .filter("metadata", mode="print", file=str(analysis_file)))
    return ffmpeg.output(analysis, "-", f="null")


def ladder_command(src, info: MediaInfo, out_dir, analysis_file, renditions: list[Rendition],
                   loudnorm: dict | None) -> list[str]:
    source = open_input(src, info.demuxer)
    options = keyframe_options(output_fps(info.video.fps))
    streams, stream_map, smallest = scaled_renditions(picture(source, info), renditions, options,
                                                      info.audio is not None)
    if info.audio is not None:
        streams.append(audio_stream(source, info, loudnorm, options))
        stream_map.append("a:0,agroup:audio,name:audio,default:yes")
    options.update(hls_options(out_dir, stream_map))
    hls = ffmpeg.output(*streams, f"{out_dir}/%v/index.m3u8", **options)
    return compile_command(ffmpeg.merge_outputs(hls, analysis_sink(smallest, analysis_file)), progress=True)


def mp4_remux_command(video_file, audio_file, dst) -> list[str]:
    """The web MP4 from the web rendition's segments: a copy, not another encode."""
    video = open_input(video_file, "mov")
    streams = [video["v:0"]]
    if audio_file is not None:
        streams.append(open_input(audio_file, "mov")["a:0"])
    output = ffmpeg.output(*streams, output_path(dst), c="copy", movflags="+faststart", f="mp4")
    return compile_command(output)
