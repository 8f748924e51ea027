"""The pipeline on real files with the real ffmpeg."""
import subprocess

import pytest

from videodesk.media import pipeline, probe, runner
from videodesk.media.pipeline import Limits

from . import media

LIMITS = Limits(max_duration=3600, max_dimension=8192, ffmpeg_timeout=120, ffprobe_timeout=20)


def test_clip_becomes_web_mp4_and_poster(clips, tmp_path):
    seen = []
    result = pipeline.process_source(clips["clip"], tmp_path, LIMITS, seen.append)
    web = probe.probe(tmp_path / "video.mp4", timeout=20)
    assert (web.video.codec, web.audio.codec) == ("h264", "aac")
    assert (web.video.width, web.video.height) == (320, 180)
    assert web.duration == pytest.approx(3.0, abs=0.2)
    # +faststart: the moov box comes before the media data.
    head = (tmp_path / "video.mp4").read_bytes()[:200_000]
    assert head.index(b"moov") < head.index(b"mdat")
    assert (tmp_path / "poster.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert result.outputs == {"mp4": "video.mp4", "poster": "poster.jpg"}
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen) and len(seen) >= 2
    assert not list(tmp_path.glob(".tmp-*"))


def test_portrait_phone_video_is_rotated_upright(tmp_path):
    source = media.make_rotated_portrait(tmp_path / "portrait.mov")
    pipeline.process_source(source, tmp_path / "out", LIMITS)
    web = probe.probe(tmp_path / "out" / "video.mp4", timeout=20)
    assert (web.video.width, web.video.height) == (180, 320)
    assert web.video.rotation == 0


def test_video_without_audio_stays_silent(tmp_path):
    source = media.make_clip(tmp_path / "mute.mp4", seconds=2, audio=False)
    pipeline.process_source(source, tmp_path / "out", LIMITS)
    assert probe.probe(tmp_path / "out" / "video.mp4", timeout=20).audio is None


@pytest.mark.parametrize("name, message", [
    ("text", "not a video we can read"),
    ("empty", "not a video we can read"),
    ("truncated", "not a video we can read|truncated"),
])
def test_bad_inputs_fail_with_a_reason_and_leave_nothing(clips, tmp_path, name, message):
    with pytest.raises(runner.MediaError, match=message):
        pipeline.process_source(clips[name], tmp_path, LIMITS)
    assert not list(tmp_path.iterdir())


def test_truncated_faststart_file_is_refused(clips, tmp_path):
    faststart = tmp_path / "faststart.mp4"
    media.ffmpeg("-i", clips["clip"], "-c", "copy", "-movflags", "+faststart", faststart)
    cut = media.make_truncated(faststart, tmp_path / "cut.mp4")
    with pytest.raises(runner.MediaError, match="truncated"):
        pipeline.process_source(cut, tmp_path / "out", LIMITS)
    assert not (tmp_path / "out" / "video.mp4").exists()


def test_audio_only_file_is_refused(tmp_path):
    source = media.make_audio_only(tmp_path / "voice.m4a")
    with pytest.raises(runner.MediaError, match="audio-only"):
        pipeline.process_source(source, tmp_path / "out", LIMITS)


def test_playlist_pointing_at_system_files_is_never_followed(tmp_path):
    evil = tmp_path / "evil.mp4"
    evil.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n"
                    "#EXTINF:1,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n")
    with pytest.raises(runner.MediaError, match="not a video we can read"):
        pipeline.process_source(evil, tmp_path / "out", LIMITS)


def test_runner_kills_a_command_past_its_timeout():
    endless = ["ffmpeg", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-f", "null", "-"]
    with pytest.raises(runner.MediaTimeout, match="did not finish"):
        runner.run(endless, timeout=1)
    assert "testsrc2=size=320x180:rate=25" not in subprocess.run(["ps", "-eo", "args"], capture_output=True,
                                                                 text=True).stdout


def test_runner_reports_ffmpeg_errors_readably(tmp_path):
    with pytest.raises(runner.MediaError, match="ffmpeg failed: .*"):
        runner.run(["ffmpeg", "-nostdin", "-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"], timeout=10)
