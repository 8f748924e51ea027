"""The first, fastest version of a video that every browser plays, made right after the probe so a
breaking story has a player within seconds; the full ladder replaces it later.

A source whose picture browsers already decode (H.264 8-bit 4:2:0, progressive, square pixels) is
stream-copied into fMP4 HLS, its sound re-encoded to AAC when it is not AAC (a clip's cut carries
FLAC: its picture is still copied, in seconds); any other picture gets one cheap
540p rendition, through the same picture chain as the ladder (rotation, odd sizes, VFR to CFR,
10-bit to 8-bit 4:2:0, deinterlacing, square pixels)."""
import ffmpeg

from videodesk.media import ladder
from videodesk.media.command import compile_command, open_input
from videodesk.media.probe import MediaInfo

SHORT_SIDE = 540
MAXRATE_KBPS = 1500
BROWSER_PIXEL_FORMATS = ("yuv420p", "yuvj420p")


def stream_copy_possible(info: MediaInfo) -> bool:
    """Browsers decode the picture as it is: progressive 8-bit 4:2:0 H.264 with square pixels (any
    sound is made AAC, which costs little beside a picture)."""
    video = info.video
    square = video.display_width * video.display_height == video.width * video.height
    return (video.codec == "h264" and video.pix_fmt in BROWSER_PIXEL_FORMATS
            and video.field_order in ("progressive", "unknown", "") and square)


def rendition_for(info: MediaInfo) -> ladder.Rendition:
    """540p (never upscaled), from the display size."""
    width, height = ladder.fit_within(info.video.display_width, info.video.display_height,
                                      SHORT_SIDE, round(SHORT_SIDE * 16 / 9))
    return ladder.Rendition(f"{min(width, height)}p", width, height, MAXRATE_KBPS)


def _audio_options(info: MediaInfo, copy: bool) -> dict:
    if info.audio is None:
        return {}
    if copy and info.audio.codec == "aac":
        return {"c:a": "copy"}
    return {"c:a": "aac", "b:a": ladder.AUDIO_BITRATE, "ac": 2, "ar": 48000}


def copy_command(src, info: MediaInfo, out_dir) -> list[str]:
    """The source's own H.264 packets, cut at its keyframes into fMP4 HLS. ffmpeg 5.1's HLS muxer
    drops the display matrix: the caller writes it back into init.mp4 (fmp4.set_rotation)."""
    source = open_input(src, info.demuxer)
    streams = [source[str(info.video.index)]]
    if info.audio is not None:
        streams.append(source[str(info.audio.index)])
    options = {"c:v": "copy", **_audio_options(info, copy=True), **ladder.hls_options(out_dir, None)}
    return compile_command(ffmpeg.output(*streams, f"{out_dir}/index.m3u8", **options), progress=True)


def transcode_command(src, info: MediaInfo, out_dir) -> list[str]:
    """One 540p rendition at x264's cheapest preset, keyframes every GOP_SECONDS like the ladder."""
    source = open_input(src, info.demuxer)
    rendition = rendition_for(info)
    picture = (ladder.picture(source, info)
               .filter("scale", rendition.width, rendition.height).filter("setsar", 1))
    streams = [picture]
    if info.audio is not None:
        streams.append(source[str(info.audio.index)])
    options = {
        **ladder.keyframe_options(ladder.output_fps(info.video.fps), preset="ultrafast", crf=26),
        "maxrate": f"{rendition.maxrate_kbps}k", "bufsize": f"{rendition.maxrate_kbps * 2}k",
        **_audio_options(info, copy=False), **ladder.hls_options(out_dir, None),
    }
    return compile_command(ffmpeg.output(*streams, f"{out_dir}/index.m3u8", **options), progress=True)


def quick_command(src, info: MediaInfo, out_dir) -> list[str]:
    if stream_copy_possible(info):
        return copy_command(src, info, out_dir)
    return transcode_command(src, info, out_dir)
