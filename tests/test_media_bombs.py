"""Media whose real work is far beyond its declared size (docs/SECURITY.md, third review, finding 2),
each a crafted file through the real pipeline and a real ffmpeg."""
import dataclasses
import json
import time

import pytest

from videodesk.media import command, ladder, pipeline, probe
from videodesk.media.runner import MediaError, run

from . import media
from .helpers import LIMITS, process

BIG = "16384x4112"  # one pixel row over the decoder's limit (8192 x 8192 pixels)


def test_every_input_carries_the_pixel_limit():
    assert command.input_options()["max_pixels"] == str(command.MAX_PIXELS)
    assert "-max_pixels" in probe.probe_command("clip.mp4")


@pytest.fixture(scope="module")
def changes_size(tmp_path_factory):
    """A 160x90 H.264 stream whose last two frames are 16384x4112 (a new SPS mid-stream): the probe
    sees only the first size."""
    folder = tmp_path_factory.mktemp("changes-size")
    small, big = folder / "small.h264", folder / "big.h264"
    media.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=30:duration=1", "-c:v", "libx264",
                 "-preset", "ultrafast", "-pix_fmt", "yuv420p", small)
    media.ffmpeg("-f", "lavfi", "-i", f"color=c=blue:size={BIG}:rate=30", "-frames:v", "2", "-c:v", "libx264",
                 "-preset", "ultrafast", "-pix_fmt", "yuv420p", big, timeout=300)
    joined = folder / "joined.h264"
    joined.write_bytes(small.read_bytes() + big.read_bytes())
    source = folder / "changes-size.mkv"
    media.ffmpeg("-r", "30", "-i", joined, "-c", "copy", source)
    return source


def test_the_decoder_refuses_frames_beyond_the_pixel_limit_in_the_middle_of_a_stream(changes_size, tmp_path):
    info = probe.probe(changes_size, timeout=20)
    assert (info.video.width, info.video.height) == (160, 90)
    renditions = ladder.renditions_for(160, 90)
    done = run(ladder.ladder_command(changes_size, info, tmp_path / "hls", tmp_path / "analysis.txt", renditions, None),
               timeout=120, what="Transcoding")
    assert "exceeds specified max pixel count" in done.stderr  # the big frames were never decoded


def test_a_stream_that_changes_size_is_made_of_its_small_frames_only(changes_size, tmp_path):
    ctx = process(changes_size, tmp_path)
    made = probe.probe(ctx.media_dir / "video.mp4", timeout=20)
    assert (made.video.width, made.video.height) == (160, 90)
    red, green, blue = media.mean_rgb(ctx.media_dir / "video.mp4", made.duration - 0.05, 0, 0, 16, 16)
    assert not (blue > 150 and red < 80 and green < 80), "a big blue frame was decoded"


def test_two_frames_twenty_minutes_apart_declared_at_60_fps_are_refused(tmp_path):
    source = tmp_path / "sparse.mkv"
    media.ffmpeg("-f", "lavfi", "-i", "color=c=red:size=160x90:rate=60", "-frames:v", "2",
                 "-vf", "setpts=N*1200/TB", "-fps_mode", "passthrough", "-c:v", "libx264", source)
    info = probe.probe(source, timeout=20)
    assert info.video.fps == 60 and info.duration > 1199
    ctx = pipeline.Context(source=source, media_dir=tmp_path / "media", work_dir=tmp_path / "work",
                           limits=LIMITS, state={})
    with pytest.raises(MediaError, match="declares 60 frames per second but holds only 2 frames"):
        pipeline.run_steps(ctx)
    assert ctx.state.get("done", []) == []  # refused at the probe, before a single frame was encoded


def test_sixty_subtitle_streams_are_refused_readably(tmp_path):
    clip = media.make_clip(tmp_path / "clip.mp4", seconds=1)
    srt = tmp_path / "one.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,900\nHello\n")
    inputs = [arg for _ in range(60) for arg in ("-i", srt)]
    maps = [arg for number in range(1, 61) for arg in ("-map", str(number))]
    source = tmp_path / "many-subtitles.mkv"
    media.ffmpeg("-i", clip, *inputs, "-map", "0", *maps, "-c", "copy", "-c:s", "srt", source)
    assert len(probe.probe(source, timeout=20).subtitles) == 60
    with pytest.raises(MediaError, match=f"60 subtitle streams; at most {probe.MAX_SUBTITLE_STREAMS}"):
        process(source, tmp_path)


@pytest.mark.parametrize(("kind", "cap"), [("audio", probe.MAX_AUDIO_STREAMS), ("video", probe.MAX_VIDEO_STREAMS)])
def test_audio_and_video_stream_counts_are_capped(kind, cap):
    streams = [{"index": 0, "codec_type": "video", "codec_name": "h264", "width": 320, "height": 180}]
    streams += [{"index": n + 1, "codec_type": kind, "codec_name": "aac" if kind == "audio" else "h264",
                 "width": 320, "height": 180} for n in range(cap + 1)]
    info = probe.parse_probe(json.dumps({"format": {"format_name": "matroska", "duration": "2"}, "streams": streams}))
    with pytest.raises(MediaError, match=f"at most {cap}"):
        probe.validate(info, max_duration=3600, max_dimension=8192)


def test_a_video_over_its_work_budget_fails_readably(tmp_path):
    source = media.make_clip(tmp_path / "clip.mp4", seconds=2)
    limits = dataclasses.replace(LIMITS, work_budget_per_s=0.0, work_budget_floor_s=0.5)
    ctx = pipeline.Context(source=source, media_dir=tmp_path / "media", work_dir=tmp_path / "work",
                           limits=limits, state={})
    with pytest.raises(MediaError, match="processing budget"):
        pipeline.run_steps(ctx)


def test_ladder_parts_share_the_video_s_work_budget(tmp_path):
    """A part taken by any worker after the budget ran out fails with the budget's reason at once."""
    source = media.make_clip(tmp_path / "clip.mp4", seconds=3)
    limits = dataclasses.replace(LIMITS, chunk_seconds=1.0)
    ctx = pipeline.Context(source=source, media_dir=tmp_path / "media", work_dir=tmp_path / "work", limits=limits,
                           state={"info": probe.probe(source, timeout=20).to_dict(), "done": ["probe"],
                                  "work_budget_s": 60.0, "work_deadline": time.time() - 1})
    for encode in (lambda: pipeline.encode_chunk(ctx, 0), lambda: pipeline.encode_audio(ctx)):
        with pytest.raises(pipeline.WorkBudgetSpent, match="processing budget of 1 minute[.]"):
            encode()
