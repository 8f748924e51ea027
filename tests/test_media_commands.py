"""Pure command builders and parsers: no ffmpeg run needed."""
import json
import struct

import pytest

from videodesk.media import analysis, audio, chunks, clip, fmp4, hls, ladder, loudness, overlay, poster, probe, quick, social, storyboard
from videodesk.media.captions import cues_between
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
    ((4096, 2160), (1280, 676)),
    ((720, 720), (720, 720)),
])
def test_fit_within_caps_720p_keeps_even_and_never_upscales(size, expected):
    assert ladder.fit_within(*size) == expected


def test_ladder_never_upscales_and_names_steps_by_short_side():
    assert [r.name for r in ladder.renditions_for(1920, 1080)] == ["1080p", "720p", "480p", "360p"]
    assert [(r.width, r.height) for r in ladder.renditions_for(1920, 1080)][2] == (854, 480)
    assert [r.name for r in ladder.renditions_for(1280, 720)] == ["720p", "480p", "360p"]
    assert [(r.width, r.height) for r in ladder.renditions_for(1080, 1920)][:2] == [(1080, 1920), (720, 1280)]
    assert [(r.name, r.width, r.height) for r in ladder.renditions_for(320, 180)] == [("180p", 320, 180)]
    assert ladder.web_rendition(ladder.renditions_for(1920, 1080)).name == "720p"


@pytest.mark.parametrize("fps, expected", [(29.97, 29.97), (120, 60), (0, 30.0), (1000, 30.0)])
def test_output_frame_rate_is_constant_and_capped(fps, expected):
    assert ladder.output_fps(fps) == expected


def test_ladder_command_is_one_process_with_aligned_keyframes():
    renditions = ladder.renditions_for(1920, 1080)
    args = ladder.ladder_command("/data/src", info(), "/m/hls", "/w/analysis.txt", renditions,
                                 {"I": -16, "TP": -1.5, "measured_I": -20})
    assert args.count("-i") == 1
    before_input = args[: args.index("-i")]
    assert before_input[before_input.index("-f") + 1] == "mov"
    assert before_input[before_input.index("-protocol_whitelist") + 1] == "file"
    assert "hls" not in before_input[before_input.index("-format_whitelist") + 1].split(",")
    graph = args[args.index("-filter_complex") + 1]
    assert graph.count("split=2") == 4 and "yadif" in graph and "loudnorm" in graph and "blurdetect" in graph
    # Cascaded scalers: 1080p from the source, each smaller rendition from the one above it.
    order = [graph.index(f"scale={size}") for size in ("1920:1080", "1280:720", "854:480", "640:360", "160:-2")]
    assert order == sorted(order)
    assert args[args.index("-force_key_frames") + 1] == "expr:gte(t,n_forced*2)"
    assert args[args.index("-sc_threshold") + 1] == "0" and args[args.index("-g") + 1] == "50"
    assert args[args.index("-hls_segment_type") + 1] == "fmp4"
    assert args[args.index("-var_stream_map") + 1].endswith("a:0,agroup:audio,name:audio,default:yes")


def test_portrait_rotation_uses_display_dimensions():
    renditions = ladder.renditions_for(1080, 1920)
    graph = ladder.ladder_command("/s", info(1920, 1080, rotation=90), "/o", "/a", renditions, None)
    assert "scale=1080:1920" in graph[graph.index("-filter_complex") + 1]


def test_poster_widths_never_upscale():
    assert poster.poster_widths(1920) == [1920, 1280, 640, 320]
    assert poster.poster_widths(320) == [320]
    assert poster.poster_widths(1280) == [1280, 640, 320]


def test_storyboard_seeks_keyframes_only_and_maps_tiles():
    plan = storyboard.plan_for(600, 1280, 720)
    assert (plan.interval, plan.count, plan.columns, plan.rows) == (6, 100, 10, 10)
    args = storyboard.sprite_command("/m/video.mp4", "/m/sb.jpg", plan)
    assert args[args.index("-skip_frame") + 1] == "nokey" and args.index("-skip_frame") < args.index("-i")
    vtt = storyboard.thumbnails_vtt(storyboard.plan_for(5, 320, 180), 5, "sb.jpg")
    assert vtt.splitlines()[:4] == ["WEBVTT", "", "00:00:00.000 --> 00:00:02.000", "sb.jpg#xywh=0,0,160,90"]
    assert "00:00:04.000 --> 00:00:05.000\nsb.jpg#xywh=320,0,160,90" in vtt


def test_loudness_measurement_parsing_and_second_pass_options():
    stderr = 'noise\n[Parsed_loudnorm_0 @ 0x1]\n{\n\t"input_i" : "-23.10",\n\t"input_tp" : "-5.00",\n' \
             '\t"input_lra" : "3.20",\n\t"input_thresh" : "-33.40",\n\t"output_i" : "-16.0",\n' \
             '\t"output_tp" : "-1.5",\n\t"output_lra" : "3.0",\n\t"output_thresh" : "-26.0",\n' \
             '\t"normalization_type" : "linear",\n\t"target_offset" : "0.10"\n}\n'
    measured = loudness.parse_measurement(stderr)
    assert measured["input_i"] == -23.1 and measured["target_offset"] == 0.1
    args = loudness.normalize_args(measured, {"I": -16, "TP": -1.5, "LRA": 11})
    assert args["measured_I"] == -23.1 and args["linear"] == "true" and args["I"] == -16
    silent = dict(measured, input_i=float("-inf"))
    assert loudness.normalize_args(silent, {"I": -16}) is None


def _samples(rows):
    return [analysis.Sample(time=t, scene=scene, black=black, blur=blur) for t, scene, black, blur in rows]


def test_poster_choice_avoids_black_fades_cuts_and_blur():
    rows = []
    for i in range(100):                      # 20 s at 5 samples a second
        t = i / 5
        black = 100 if t < 2 else max(0, 100 - (t - 2) * 50) if t < 4 else 0   # fade in from black
        blur = 3.0 if 12 <= t < 14 else 8.0   # the sharp stretch
        scene = 0.9 if t == 13.0 else 0.01    # a cut in the middle of it
        rows.append((t, scene, black, blur))
    chosen = analysis.choose_poster_time(_samples(rows), 20)
    assert 12 <= chosen < 14 and abs(chosen - 13.0) > analysis.SETTLE_S


def test_preview_window_is_the_most_active_part():
    rows = [(i / 5, 0.2 if 10 <= i / 5 < 14 else 0.01, 0, 5) for i in range(150)]
    assert analysis.most_active_start(_samples(rows), 30, 4) == pytest.approx(10, abs=0.3)
    assert analysis.most_active_start(_samples(rows), 3, 4) == 0.0


def test_analysis_file_parsing():
    text = ("frame:0    pts:0       pts_time:0\nlavfi.scene_score=0.000000\nlavfi.blackframe.pblack=12\n"
            "lavfi.blur=4.5\nframe:1    pts:1       pts_time:0.2\nlavfi.scene_score=0.5\n")
    assert analysis.parse_analysis(text) == _samples([(0.0, 0.0, 12.0, 4.5), (0.2, 0.5, 0.0, 0.0)])


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


@pytest.mark.parametrize("stored, tag", [("eng", "en"), ("ger", "de"), ("pt", "pt"), (None, "und"), ("xyz", "und"),
                                         ("/x", "und"), ("..", "und"), ("\u00e9s", "und")])
def test_container_language_tags_become_safe_bcp47_tags(stored, tag):
    from videodesk.media.subtitles import stream_language
    assert stream_language(stored) == tag


@pytest.mark.parametrize("corner, expected", [
    ("top-left", ("22", "22")), ("top-right", ("main_w-overlay_w-22", "22")),
    ("bottom-left", ("22", "main_h-overlay_h-22")), ("bottom-right", ("main_w-overlay_w-22", "main_h-overlay_h-22")),
])
def test_logo_overlay_corners(corner, expected):
    assert overlay.position(corner, 22) == expected


def test_social_cut_burns_the_logo_under_the_captions_and_reads_only_the_png():
    logo = overlay.Logo(path="/data/branding/logo.png", corner="bottom-right", size=12.5, opacity=0.8)
    command = social.social_cut_command("/m/video.mp4", "/m/c.vtt", "/m/cut.mp4", "9:16", True, logo)
    graph = command[command.index("-filter_complex") + 1]
    png = command.index("file:/data/branding/logo.png")
    assert command[png - 1] == "-i" and "png_pipe" in command[png - 6:png] and "file" in command[png - 6:png]
    assert "scale=90:-1" in graph and "colorchannelmixer=aa=0.8" in graph  # 12.5% of 720, even
    assert "overlay=eof_action=repeat:format=auto:x=main_w-overlay_w-22:y=main_h-overlay_h-22" in graph  # on every frame
    assert graph.index("overlay=") < graph.index("subtitles=")
    clean = social.social_cut_command("/m/video.mp4", None, "/m/cut.mp4", "9:16", True)
    assert "overlay" not in " ".join(clean) and "logo.png" not in " ".join(clean)


def test_keyframes_are_read_relative_to_the_container_start():
    output = json.dumps({"format": {"start_time": "1.400000"}, "streams": [{"has_b_frames": 0}],
                         "packets": [{"pts_time": "1.400000", "flags": "K__"}, {"pts_time": "1.440000", "flags": "___"},
                                     {"pts_time": "3.400000", "flags": "K_"}, {"pts_time": "N/A", "flags": "K_"}]})
    facts = clip.parse_keyframes(output)
    assert facts.keyframes == (0.0, 2.0) and facts.start_time == 1.4 and not facts.has_b_frames
    command = clip.keyframes_command("/in/source", 0.5)
    assert command[command.index("-read_intervals") + 1] == "0.000000%1.500000"
    assert command[-1] == "file:/in/source" and "-protocol_whitelist" in command


def test_stream_copy_only_from_a_keyframe_within_half_a_frame_and_without_b_frames():
    facts = clip.StreamFacts(start_time=0.0, keyframes=(0.0, 2.0), has_b_frames=False)
    assert clip.copy_start(facts, 2.01, 0.04) == 2.0
    assert clip.copy_start(facts, 2.03, 0.04) is None
    assert clip.copy_start(facts, 1.28, 0.04) is None
    assert clip.copy_start(clip.StreamFacts(0.0, (0.0, 2.0), has_b_frames=True), 2.0, 0.04) is None


def test_copy_command_copies_the_picture_from_just_past_the_keyframe_and_cuts_the_sound_exactly():
    args = clip.copy_command("/in/source", "/out/cut.mkv", 2.0, 3.0, [AudioStream(1, "aac", 2, 48000)])
    assert args[args.index("-ss") + 1] == "2.000500" and args.index("-ss") < args.index("-i")
    assert args[args.index("-t") + 1] == "0.999500"
    assert args[args.index("-c:v") + 1] == "copy" and args[args.index("-c:a") + 1] == "flac"
    assert args[args.index("-f") + 1] == "matroska" and "-progress" in args
    silent = clip.copy_command("/in/source", "/out/cut.mkv", 2.0, 3.0, [])
    assert "0:a:0" not in silent and "-c:a" not in silent


def test_reencode_command_keeps_frames_from_half_a_frame_before_start_to_half_a_frame_before_end():
    args = clip.reencode_command("/in/source", "/out/cut.mkv", 1.28, 3.52, 0.04, [AudioStream(1, "aac", 2, 48000)])
    assert args[args.index("-ss") + 1] == "1.260000"
    graph = args[args.index("-filter_complex") + 1]
    assert "trim=duration=2.220000" in graph and "setpts=PTS-STARTPTS" in graph
    assert "atrim=duration=2.240000:start=0.020000" in graph and "asetpts=PTS-STARTPTS" in graph
    assert args[args.index("-c:v") + 1] == "libx264" and args[args.index("-crf") + 1] == "16"
    at_zero = clip.reencode_command("/in/source", "/out/cut.mkv", 0.0, 1.0, 0.04, [])
    assert at_zero[at_zero.index("-ss") + 1] == "0.000000" and "atrim" not in " ".join(at_zero)


def test_a_cut_keeps_every_sound_stream_with_its_language_title_and_the_main_one_as_default():
    sounds = [_audio_stream(2, "eng", default=True), _audio_stream(1, "spa", title="Doblaje")]
    args = clip.copy_command("/in/source", "/out/cut.mkv", 2.0, 3.0, sounds)
    maps = [args[i + 1] for i, arg in enumerate(args) if arg == "-map"]
    assert maps == ["0:v:0", "0:2", "0:1"]
    assert args[args.index("-metadata:s:a:0") + 1] == "language=eng"
    assert args[args.index("-metadata:s:a:1") + 1] == "language=spa"
    assert args[args.index("-metadata:s:2") + 1] == "title=Doblaje" and "-metadata:s:1" not in args
    assert args[args.index("-disposition:a:0") + 1] == "default" and args[args.index("-disposition:a:1") + 1] == "0"
    graph = clip.reencode_command("/in/source", "/out/cut.mkv", 1.0, 2.0, 0.04, sounds)
    assert graph[graph.index("-filter_complex") + 1].count("atrim") == 2


def test_frame_duration_falls_back_when_the_rate_is_unknown():
    assert clip.frame_duration(info()) == 0.04
    unknown = info()
    unknown.video.fps = 0.0
    assert clip.frame_duration(unknown) == pytest.approx(1 / 30)


def test_cues_between_clips_and_moves_cues_to_the_range():
    text = ("WEBVTT\n\n00:00:00.200 --> 00:00:01.000\nBefore\n\n00:00:00.500 --> 00:00:01.500\nAcross\n\n"
            "00:00:02.000 --> 00:00:03.000\n<i>Inside</i>\n")
    assert cues_between(text, 1.28, 2.5) == ("WEBVTT\n\n00:00:00.000 --> 00:00:00.220\nAcross\n\n"
                                             "00:00:00.720 --> 00:00:01.220\n<i>Inside</i>\n")
    assert cues_between(text, 3.0, 4.0) is None  # a cue ending at the start does not overlap
    moved_back = cues_between(cues_between(text, 1.0, 9.0), -1.0, float("inf"))
    assert "00:00:01.000 --> 00:00:01.500\nAcross" in moved_back


def _variant(codec="h264", pix_fmt="yuv420p", audio="aac", field_order="progressive", rotation=0, width=1920,
             height=1080, display=None):
    media = info(width, height, rotation=rotation, audio=audio is not None)
    media.video.codec, media.video.pix_fmt, media.video.field_order = codec, pix_fmt, field_order
    if display:
        media.video.display_width, media.video.display_height = display
    if audio:
        media.audio.codec = audio
    return media


@pytest.mark.parametrize("changes, copy", [
    ({}, True), ({"audio": "mp3"}, True), ({"audio": None}, True), ({"rotation": 90}, True),
    ({"codec": "hevc"}, False), ({"pix_fmt": "yuv420p10le"}, False), ({"pix_fmt": "yuv422p"}, False),
    ({"audio": "opus"}, True), ({"audio": "flac"}, True), ({"field_order": "tt"}, False),
    ({"display": (2560, 1080)}, False),
])
def test_quick_version_copies_only_what_browsers_play(changes, copy):
    assert quick.stream_copy_possible(_variant(**changes)) is copy


def test_quick_copy_keeps_h264_and_makes_aac_sound():
    args = quick.quick_command("/s", _variant(audio="mp3"), "/q/hls")
    assert args[args.index("-c:v") + 1] == "copy" and args[args.index("-c:a") + 1] == "aac"
    assert "-filter_complex" not in args and "/q/hls/index.m3u8" in args
    assert args[args.index("-hls_segment_type") + 1] == "fmp4"
    aac = quick.quick_command("/s", _variant(), "/q/hls")
    assert aac[aac.index("-c:a") + 1] == "copy"


def test_quick_transcode_is_one_cheap_540p_rendition_through_the_ladder_chain():
    args = quick.quick_command("/s", _variant(codec="hevc", pix_fmt="yuv420p10le", rotation=90, width=1920,
                                              height=1080), "/q/hls")
    graph = args[args.index("-filter_complex") + 1]
    assert "yadif" in graph and "fps=25.0" in graph and "scale=540:960" in graph and "setsar=1" in graph
    assert args[args.index("-preset") + 1] == "ultrafast" and args[args.index("-pix_fmt") + 1] == "yuv420p"
    assert args[args.index("-force_key_frames") + 1] == "expr:gte(t,n_forced*2)"
    assert quick.rendition_for(_variant(width=333, height=187)).width == 332  # never upscaled, even sizes


def test_chunks_start_on_segment_boundaries_of_the_constant_rate_timeline():
    from fractions import Fraction
    plan = chunks.plan(130.0, Fraction(25), 60)
    assert [(c.start_frame, c.end_frame) for c in plan] == [(0, 1500), (1500, 3000), (3000, None)]
    ntsc = chunks.plan(9.0, Fraction("29.97"), 6)          # 6 s rounds down to one 4 s segment
    assert [c.start_frame for c in ntsc] == [0, 120, 240]  # first frames at or after 0, 4 and 8 s
    assert chunks.plan(3.0, Fraction(25), 60) == [chunks.Chunk(0, 0, None)]


def test_chunk_command_seeks_early_keeps_exact_frames_and_restarts_time():
    renditions = ladder.renditions_for(1920, 1080)
    chunk = chunks.Chunk(1, 1500, 3000)
    args = chunks.chunk_command("/s", info(duration=130), "/p/0001", chunk, renditions)
    before_input = args[: args.index("-i")]
    assert before_input[before_input.index("-ss") + 1] == "59.000000"
    assert before_input[before_input.index("-t") + 1] == "62.000000"
    assert "-copyts" in args and "-start_at_zero" in args
    graph = args[args.index("-filter_complex") + 1]
    assert r"select=gte(pts\,1500)*lt(pts\,3000)" in graph and "setpts=PTS-STARTPTS" in graph
    assert graph.index("fps=25.0") < graph.index("select") < graph.index("scale=1920:1080")
    assert graph.count("split=2") == 4 and "loudnorm" not in graph and "blurdetect" in graph
    assert args[args.index("-var_stream_map") + 1] == "v:0,name:1080p v:1,name:720p v:2,name:480p v:3,name:360p"
    last = chunks.chunk_command("/s", info(duration=130), "/p/0002", chunks.Chunk(2, 3000, None), renditions)
    assert "-t" not in last[: last.index("-i")] and "lt(pts" not in last[last.index("-filter_complex") + 1]


def test_audio_part_is_the_whole_clip_normalized():
    args = chunks.audio_command("/s", info(), "/p/audio", {"I": -16, "measured_I": -20})
    graph = args[args.index("-filter_complex") + 1]
    assert "loudnorm" in graph and "-ss" not in args and args[args.index("-c:a") + 1] == "aac"


def test_playlists_written_for_the_assembled_ladder():
    media_list = hls.media_playlist([(4.0, "seg_00000.m4s"), (1.5, "seg_00001.m4s")])
    assert "#EXT-X-TARGETDURATION:4" in media_list and media_list.rstrip().endswith("#EXT-X-ENDLIST")
    assert '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.000000,\nseg_00000.m4s' in media_list
    master = hls.master_playlist([{"name": "720p", "width": 1280, "height": 720, "bandwidth": 3000000,
                                      "codec": "avc1.64001f"}], audio=True)
    assert 'RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="group_audio"\n720p/index.m3u8' in master
    assert chunks.shift_analysis("frame:3 pts:3 pts_time:0.6\nlavfi.blur=2\n", 60) == \
        "frame:3 pts:3 pts_time:60.600000\nlavfi.blur=2\n"


def test_a_media_playlist_reads_back_as_its_init_and_segments(tmp_path):
    """One parser gives the joiner its files and the assembler its durations."""
    (tmp_path / "index.m3u8").write_text(hls.media_playlist([(4.0, "seg_00000.m4s"), (1.5, "seg_00001.m4s")]))
    playlist = hls.read_media_playlist(tmp_path / "index.m3u8")
    assert playlist.init == tmp_path / "init.mp4"
    assert playlist.segments == [(4.0, tmp_path / "seg_00000.m4s"), (1.5, tmp_path / "seg_00001.m4s")]
    assert playlist.files() == [tmp_path / "init.mp4", tmp_path / "seg_00000.m4s", tmp_path / "seg_00001.m4s"]


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def test_fmp4_times_move_and_rotation_is_written():
    tfdt = _box(b"tfdt", b"\x01\x00\x00\x00" + struct.pack(">Q", 1024))
    sidx = _box(b"sidx", b"\x00\x00\x00\x00" + struct.pack(">III", 1, 90000, 0) + b"\x00" * 8)
    moved = fmp4.shift_times(sidx + _box(b"moof", _box(b"traf", tfdt)) + _box(b"mdat", b"xx"), 512, 12800)
    assert struct.unpack(">Q", moved[moved.index(b"tfdt") + 8:][:8])[0] == 1536
    assert struct.unpack(">I", moved[moved.index(b"sidx") + 16:][:4])[0] == 3600   # 512/12800 s at 90 kHz
    tkhd = _box(b"tkhd", b"\x00" * 40 + fmp4.rotation_matrix(0, 320, 180) + struct.pack(">II", 320 << 16, 180 << 16))
    hdlr = _box(b"hdlr", b"\x00" * 8 + b"vide" + b"\x00" * 12)
    init = _box(b"moov", _box(b"trak", tkhd + _box(b"mdia", hdlr)))
    rotated = fmp4.set_rotation(init, 90)
    assert rotated[rotated.index(b"tkhd") + 44:][:36] == fmp4.rotation_matrix(90, 320, 180)
    a, b, _, c, d = struct.unpack(">9i", fmp4.rotation_matrix(90, 320, 180))[:5]
    assert (a, b, c, d) == (0, -65536, 65536, 0)  # what ffmpeg writes for a phone's rotate=90


# -- audio tracks (media/audio.py) ----------------------------------------------------------------

FFMPEG_MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="audio",DEFAULT=YES,URI="audio/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="group_audio"
360p/index.m3u8
"""
SILENT_MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360,CODECS="avc1.64001e"
360p/index.m3u8
"""


def _audio_stream(index, language="und", default=False, role="", title=""):
    return AudioStream(index, "aac", 2, 48000, language=language, title=title, default=default, role=role)


def test_parse_probe_keeps_every_sound_stream_with_its_tags_and_the_default_one_first():
    parsed = parse_probe(_ffprobe_json([
        {"index": 0, "codec_type": "video", "codec_name": "h264", "width": 320, "height": 180},
        {"index": 1, "codec_type": "audio", "codec_name": "aac", "channels": 2, "sample_rate": "48000",
         "tags": {"language": "spa", "title": "Doblaje"}, "disposition": {"default": 0, "dub": 1}},
        {"index": 2, "codec_type": "audio", "codec_name": "aac", "channels": 2, "sample_rate": "48000",
         "tags": {"language": "eng"}, "disposition": {"default": 1}},
        {"index": 3, "codec_type": "audio", "codec_name": "ac3", "channels": 6, "sample_rate": "48000",
         "tags": {"language": "eng"}, "disposition": {"visual_impaired": 1}},
    ]))
    assert parsed.audio.index == 2
    assert [(a.index, a.language, a.default, a.role) for a in parsed.sounds] == [
        (2, "eng", True, ""), (1, "spa", False, "dub"), (3, "eng", False, "description")]
    assert parsed.sounds[1].title == "Doblaje"
    assert MediaInfo.from_dict(parsed.to_dict()) == parsed
    assert [audio.stream_kind(s) for s in parsed.sounds] == ["main", "dub", "description"]
    assert audio.track_language(parsed.sounds[1]) == "es"


def test_silent_and_repeated_streams_are_not_tracks_but_the_main_one_always_is():
    streams = [_audio_stream(1, "eng", default=True), _audio_stream(2, "spa"), _audio_stream(3), _audio_stream(4)]
    loud = {"input_i": -23.0}
    measurements = {1: ({"input_i": float("-inf")}, "a" * 32), 2: (loud, "b" * 32), 3: ({"input_i": -91.0}, "c" * 32),
                    4: (loud, "b" * 32)}
    assert [s.index for s in audio.kept_streams(streams, measurements)] == [1, 2]
    assert audio.parse_fingerprint("MD5=0123456789abcdef0123456789abcdef\n") == "0123456789abcdef0123456789abcdef"
    assert audio.parse_fingerprint("") is None


def test_a_track_within_the_tolerance_is_fitted_and_beyond_it_refused_with_the_lengths():
    assert audio.length_problem(59.0, 60.0) is None
    assert audio.length_problem(63.0, 60.0) is None           # 5 % of a minute
    assert audio.length_problem(2.5, 4.0) is None             # at least 2 s
    problem = audio.length_problem(40.0, 60.0)
    assert "40.0 s" in problem and "20.0 s shorter" in problem and "60.0 s" in problem
    assert "longer" in audio.length_problem(80.0, 60.0)


def test_a_track_is_encoded_like_the_main_sound_and_exactly_as_long_as_the_picture():
    normalize = loudness.normalize_args({"input_i": -30.0, "input_tp": -10.0, "input_lra": 5.0, "input_thresh": -40.0,
                                         "target_offset": 0.1}, {"I": -16, "TP": -1.5, "LRA": 11})
    args = audio.encode_command("/in/dub.mka", "matroska", 0, "/out/audio-x", normalize, 12.5)
    graph = args[args.index("-filter_complex") + 1]
    assert graph.index("loudnorm") < graph.index("apad=whole_dur=12.500000") < graph.index("atrim=duration=12.500000")
    assert "linear=true" in graph
    assert args[args.index("-c:a") + 1] == "aac" and args[args.index("-ac") + 1] == "2"
    assert "/out/audio-x/index.m3u8" in args and "fmp4" in args and "-progress" in args


def test_an_added_file_is_kept_as_its_one_sound_stream_in_flac():
    args = audio.keep_command("/up/file", "mp3", 0, "/work/added-audio/k.mka")
    assert args[args.index("-map") + 1] == "0:0" and args.count("-map") == 1
    assert args[args.index("-c:a") + 1] == "flac" and args[args.index("-f", args.index("-map")) + 1] == "matroska"
    assert "-format_whitelist" in args and "file:/work/added-audio/k.mka" in args


def test_measuring_a_stream_can_also_fingerprint_its_samples():
    args = loudness.measure_stream_command("/in/src.mp4", "mov", 2, {"I": -16}, fingerprint=True)
    assert "[0:2]loudnorm" in args[args.index("-filter_complex") + 1]
    assert args[args.index("-hash") + 1] == "md5" and "pipe:1" in args


def test_the_master_lists_each_track_in_one_audio_group_and_describes_audio_description():
    tracks = [audio.Rendition("audio", "en", "English", "main", True), audio.Rendition("audio-2", "es", "Español", "dub", False),
              audio.Rendition("audio-k3", "en", "English (audio description)", "description", False)]
    text = audio.master_with_audio(FFMPEG_MASTER, tracks)
    lines = text.splitlines()
    media = [line for line in lines if line.startswith("#EXT-X-MEDIA:")]
    assert media == [
        '#EXT-X-MEDIA:URI="audio/index.m3u8",TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="en",NAME="English",'
        'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2"',
        '#EXT-X-MEDIA:URI="audio-2/index.m3u8",TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="es",NAME="Español",'
        'DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2"',
        '#EXT-X-MEDIA:URI="audio-k3/index.m3u8",TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="en",'
        'NAME="English (audio description)",DEFAULT=NO,AUTOSELECT=NO,'
        'CHARACTERISTICS="public.accessibility.describes-video",CHANNELS="2"']
    assert ('#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="audio"'
            in lines)
    assert "360p/index.m3u8" in lines and "#EXT-X-INDEPENDENT-SEGMENTS" in lines
    # Rewriting again (a track added or removed) gives the same playlist for the same tracks.
    assert audio.master_with_audio(text, tracks) == text


def test_a_track_added_to_a_video_without_sound_gives_its_variants_an_audio_group():
    text = audio.master_with_audio(SILENT_MASTER, [audio.Rendition("audio-k", "en", "English", "description", True)])
    assert 'CODECS="avc1.64001e,mp4a.40.2",AUDIO="audio"' in text and "BANDWIDTH=1128000" in text
    assert audio.master_with_audio(text, []).count("BANDWIDTH=1000000") == 1
