"""Pure command builders and parsers: no ffmpeg run needed."""
import json

import pytest

from videodesk.media import poster, probe, transcode
from videodesk.media.probe import AudioStream, MediaInfo, VideoStream, parse_probe, validate
from videodesk.media.runner import MediaError


def info(width=1920, height=1080, rotation=0, audio=True, duration=10.0):
    display = (height, width) if rotation in (90, 270) else (width, height)
    return MediaInfo(
        demuxer="mov", format_name="mov,mp4,m4a,3gp,3g2,mj2", duration=duration, size=1, bit_rate=1,
        video=VideoStream(0, "h264", width, height, *display, rotation, 25.0, "yuv420p", "progressive"),
        audio=AudioStream(1, "aac", 2, 48000) if audio else None,
    )


@pytest.mark.parametrize("size, expected", [
    ((1920, 1080), (1280, 720)),
    ((1080, 1920), (720, 1280)),
    ((320, 180), (320, 180)),        # never upscaled
    ((333, 187), (332, 186)),        # odd sizes become even
    ((4096, 2160), (1280, 674)),
    ((720, 720), (720, 720)),
])
def test_fit_within_caps_720p_keeps_even_and_never_upscales(size, expected):
    assert transcode.fit_within(*size) == expected


def test_mp4_command_confines_input_and_sets_web_options():
    args = transcode.mp4_command("/data/src", "/data/out.mp4", info())
    before_input = args[: args.index("-i")]
    assert before_input[before_input.index("-f") + 1] == "mov"
    assert before_input[before_input.index("-protocol_whitelist") + 1] == "file"
    assert "hls" not in before_input[before_input.index("-format_whitelist") + 1].split(",")
    assert args[args.index("-i") + 1] == "file:/data/src"
    assert "scale=1280:720" in args[args.index("-filter_complex") + 1]
    assert args[args.index("-movflags") + 1] == "+faststart"
    assert args[args.index("-c:v") + 1] == "libx264" and args[args.index("-c:a") + 1] == "aac"
    assert "file:/data/out.mp4" in args
    assert args[args.index("-progress") + 1] == "pipe:1"


def test_mp4_command_without_audio_maps_no_audio():
    args = transcode.mp4_command("/s", "/o.mp4", info(audio=False))
    assert "-c:a" not in args and args.count("-map") == 1


def test_portrait_rotation_uses_display_dimensions():
    args = transcode.mp4_command("/s", "/o.mp4", info(1920, 1080, rotation=90))
    assert "scale=720:1280" in args[args.index("-filter_complex") + 1]


def test_poster_is_taken_early_but_after_the_opening():
    assert poster.poster_time(3.0) == pytest.approx(0.6)
    assert poster.poster_time(600) == 8.0
    args = poster.poster_command("/m/video.mp4", "/m/poster.jpg", 30)
    assert args[args.index("-ss") + 1] == "6.000" and "thumbnail=60" in " ".join(args)


def test_probe_command_reads_one_local_file_only():
    args = probe.probe_command("/data/uploads/x/source")
    assert args[-1] == "file:/data/uploads/x/source"
    assert args[args.index("-protocol_whitelist") + 1] == "file"


def _ffprobe_json(streams, fmt=None):
    return json.dumps({"streams": streams, "format": fmt or {"format_name": "mov,mp4", "duration": "4.0"}})


def test_parse_probe_reads_rotation_from_display_matrix_and_skips_cover_art():
    parsed = parse_probe(_ffprobe_json([
        {"index": 0, "codec_type": "video", "codec_name": "mjpeg", "width": 600, "height": 600,
         "disposition": {"attached_pic": 1}},
        {"index": 1, "codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
         "avg_frame_rate": "30000/1001", "side_data_list": [{"rotation": -90}]},
        {"index": 2, "codec_type": "audio", "codec_name": "aac", "channels": 2, "sample_rate": "48000"},
        {"index": 3, "codec_type": "subtitle", "codec_name": "mov_text", "tags": {"language": "spa"}},
    ]))
    assert parsed.video.index == 1 and parsed.video.rotation == 270
    assert (parsed.video.display_width, parsed.video.display_height) == (1080, 1920)
    assert parsed.video.fps == pytest.approx(29.97, abs=0.01)
    assert parsed.audio.index == 2 and parsed.subtitles == [{"index": 3, "codec": "mov_text", "lang": "spa"}]


def test_non_square_pixels_widen_the_display():
    parsed = parse_probe(_ffprobe_json([{"index": 0, "codec_type": "video", "codec_name": "mpeg2video",
                                         "width": 720, "height": 576, "sample_aspect_ratio": "64:45"}]))
    assert (parsed.video.display_width, parsed.video.display_height) == (1024, 576)


@pytest.mark.parametrize("media, message", [
    (info(audio=True, duration=3.0).__class__("mov", "mov", 3.0, 1, 1, None, AudioStream(0, "aac", 2, 48000)), "audio-only"),
    (info(width=20000, height=100), "largest accepted"),
    (info(duration=0.0), "no playable duration"),
    (info(duration=10 * 3600), "limit is"),
])
def test_validate_refuses_with_a_reason(media, message):
    with pytest.raises(MediaError, match=message):
        validate(media, max_duration=4 * 3600, max_dimension=8192)


def test_empty_probe_is_unreadable():
    with pytest.raises(MediaError, match="not a video we can read"):
        parse_probe("{}")
