"""The pipeline on real files with the real ffmpeg."""
import subprocess

import m3u8
import pytest

from videodesk.media import runner

from . import media
from .helpers import process, web_info


def test_clip_gets_every_output(clips, tmp_path):
    seen, saved = [], []
    ctx = process(clips["clip"], tmp_path, seen.append, lambda state: saved.append(list(state["done"])))
    out = ctx.media_dir
    web = web_info(ctx)
    assert (web.video.codec, web.audio.codec) == ("h264", "aac")
    assert (web.video.width, web.video.height) == (320, 180)
    assert web.duration == pytest.approx(3.0, abs=0.2)
    head = (out / "video.mp4").read_bytes()[:200_000]
    assert head.index(b"moov") < head.index(b"mdat")  # +faststart
    master = (out / "hls" / "master.m3u8").read_text()
    assert "RESOLUTION=320x180" in master and 'CODECS="avc1.' in master and "BANDWIDTH=" in master
    assert (out / ctx.outputs["poster"]).read_bytes()[:3] == b"\xff\xd8\xff"
    assert all((out / p["webp"]).read_bytes()[8:12] == b"WEBP" for p in ctx.outputs["posters"])
    assert (out / "storyboard.vtt").read_text().startswith("WEBVTT")
    assert (out / "preview.mp4").exists()
    sheet = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0",
                            str(out / "storyboard.jpg")], capture_output=True, text=True).stdout.strip()
    assert sheet == "320,90"  # two 160x90 tiles: keyframes at 0 s and 2 s of the 3 s clip
    assert (out / "preview.webp").read_bytes()[8:12] == b"WEBP"
    assert ctx.state["loudness"]["measured"]["input_i"] < 0
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 9
    assert saved[-1] == ["probe", "quick", "subtitles", "loudness", "ladder", "audio", "mp4", "poster", "storyboard", "preview"]
    assert not list(out.glob(".tmp-*")) and not list((tmp_path / "work").glob(".tmp-*"))


def test_finished_steps_are_not_run_again(clips, tmp_path):
    ctx = process(clips["clip"], tmp_path)
    before = (ctx.media_dir / "video.mp4").stat().st_mtime_ns
    ctx.state["done"].remove("preview")
    (ctx.media_dir / "preview.mp4").unlink()
    process(clips["clip"], tmp_path, state=ctx.state)
    assert (ctx.media_dir / "preview.mp4").exists()
    assert (ctx.media_dir / "video.mp4").stat().st_mtime_ns == before


def test_portrait_phone_video_is_rotated_upright(tmp_path):
    ctx = process(media.make_rotated_portrait(tmp_path / "portrait.mov"), tmp_path)
    web = web_info(ctx)
    assert (web.video.width, web.video.height) == (180, 320) and web.video.rotation == 0


def test_video_without_audio_stays_silent(tmp_path):
    ctx = process(media.make_clip(tmp_path / "mute.mp4", seconds=2, audio=False), tmp_path)
    assert web_info(ctx).audio is None and ctx.state["loudness"] is None
    assert "agroup" not in (ctx.media_dir / "hls" / "master.m3u8").read_text().lower()


@pytest.mark.parametrize("name, message", [
    ("text", "not a video we can read"),
    ("empty", "not a video we can read"),
    ("truncated", "not a video we can read|truncated"),
])
def test_bad_inputs_fail_with_a_reason_and_leave_nothing(clips, tmp_path, name, message):
    with pytest.raises(runner.MediaError, match=message):
        process(clips[name], tmp_path)
    assert not list((tmp_path / "media").iterdir())


def test_truncated_faststart_file_is_refused(clips, tmp_path):
    faststart = tmp_path / "faststart.mp4"
    media.ffmpeg("-i", clips["clip"], "-c", "copy", "-movflags", "+faststart", faststart)
    cut = media.make_truncated(faststart, tmp_path / "cut.mp4")
    with pytest.raises(runner.MediaError, match="truncated"):
        process(cut, tmp_path)
    assert not (tmp_path / "media" / "hls").exists() and not (tmp_path / "media" / "video.mp4").exists()


def test_audio_only_file_is_refused(tmp_path):
    with pytest.raises(runner.MediaError, match="audio-only"):
        process(media.make_audio_only(tmp_path / "voice.m4a"), tmp_path)


def test_runner_kills_a_command_past_its_timeout():
    endless = ["ffmpeg", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=318x178:rate=23", "-f", "null", "-"]
    with pytest.raises(runner.MediaTimeout, match="did not finish"):
        runner.run(endless, timeout=1)
    # A size and rate no other test uses: the other xdist worker's ffmpeg runs must not match.
    assert "testsrc2=size=318x178:rate=23" not in subprocess.run(["ps", "-eo", "args"], capture_output=True,
                                                                 text=True).stdout


def test_runner_reports_ffmpeg_errors_readably(tmp_path):
    with pytest.raises(runner.MediaError, match="ffmpeg failed: .*"):
        runner.run(["ffmpeg", "-nostdin", "-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"], timeout=10)


def keyframe_times(path) -> list[float]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
                          "-show_entries", "frame=pts_time", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return [round(float(line.strip(",")), 2) for line in out.split()]


def test_ladder_keyframes_align_and_sound_is_normalized(tmp_path):
    source = media.make_clip(tmp_path / "hd.mp4", seconds=5, size="1280x720", rate=30)
    ctx = process(source, tmp_path)
    hls = ctx.media_dir / "hls"
    master = (hls / "master.m3u8").read_text()
    for resolution in ("1280x720", "854x480", "640x360"):
        assert f"RESOLUTION={resolution}" in master
    parsed = m3u8.loads(master)
    assert len(parsed.playlists) == 3 and [media.type for media in parsed.media] == ["AUDIO"]
    from videodesk.media import hls as hls_files
    times = {}
    for name in ("720p", "480p", "360p"):
        joined = hls_files.join_fragments(hls / name / "index.m3u8", tmp_path / f"{name}.mp4")
        times[name] = keyframe_times(joined)
    # Same instants in every rendition (the shared B-frame delay shifts all of them alike), 2 s apart.
    assert times["720p"] == times["480p"] == times["360p"]
    assert [round(t - times["720p"][0], 2) for t in times["720p"]] == [0.0, 2.0, 4.0]

    # Integrated loudness of what readers hear: the -16 LUFS target, not the source's level.
    measured = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(ctx.media_dir / "video.mp4"),
                               "-af", "ebur128", "-f", "null", "-"], capture_output=True, text=True).stderr
    integrated = float(measured.rsplit("I:", 1)[1].split("LUFS")[0])
    source_level = ctx.state["loudness"]["measured"]["input_i"]
    assert abs(source_level - -16) > 3 and integrated == pytest.approx(-16, abs=1.0)


def frame_times(path) -> list[float]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    return [float(line.strip(",")) for line in out.split() if line.strip(",")]


def test_a_one_pass_ladder_is_left_to_a_later_job_once_the_video_is_playable(tmp_path):
    """With `ladder_apart` (settings.bulk_yields) the processing job stops after what the desk waits
    for; the assembly job runs the rest, the ladder in one pass."""
    from videodesk.media import pipeline

    from .helpers import LIMITS
    ctx = pipeline.Context(source=media.make_clip(tmp_path / "short.mp4", seconds=2), media_dir=tmp_path / "media",
                           work_dir=tmp_path / "work", limits=LIMITS, state={})
    assert pipeline.run_steps(ctx, ladder_apart=True) is False and pipeline.ladder_chunks(ctx) is None
    assert ctx.state["done"] == ["probe", "quick", "subtitles", "loudness"] and ctx.outputs["hls"].startswith("quick/")
    assert pipeline.run_steps(ctx) is True and ctx.outputs["hls"] == "hls/master.m3u8"


def test_chunked_ladder_is_one_continuous_stream_like_the_single_pass(tmp_path):
    from dataclasses import replace

    from videodesk.media import hls as hls_files
    from videodesk.media import pipeline

    from .helpers import LIMITS
    source = media.make_clip(tmp_path / "ten.mp4", seconds=10, rate=30)
    single = process(source, tmp_path / "single")
    ctx = pipeline.Context(source=source, media_dir=tmp_path / "parts" / "media", work_dir=tmp_path / "parts" / "work",
                           limits=replace(LIMITS, chunk_seconds=4), state={})
    assert pipeline.run_steps(ctx) is False and "ladder" not in ctx.state["done"]
    assert ctx.outputs["hls"] == "quick/hls/index.m3u8"      # playable while the parts are encoded
    plan = pipeline.ladder_chunks(ctx)
    assert [c.start_frame for c in plan] == [0, 120, 240]
    for chunk in reversed(plan):                              # any order, as workers take them
        pipeline.encode_chunk(ctx, chunk.index)
    pipeline.encode_audio(ctx)
    pipeline.assemble_ladder(ctx)
    assert pipeline.run_steps(ctx) is True and ctx.outputs["hls"] == "hls/master.m3u8"

    joined = {name: hls_files.join_fragments(c.media_dir / "hls" / "180p" / "index.m3u8", tmp_path / f"{name}.mp4")
              for name, c in (("single", single), ("chunked", ctx))}
    times = {name: frame_times(path) for name, path in joined.items()}
    assert len(times["chunked"]) == len(times["single"]) == 300
    assert times["chunked"] == times["single"]                # same instants, so no gap or repeat at 4 s and 8 s
    steps = {round(b - a, 4) for a, b in zip(times["chunked"], times["chunked"][1:])}
    assert steps == {round(1 / 30, 4)}
    assert keyframe_times(joined["chunked"]) == keyframe_times(joined["single"])
    playlist = (ctx.media_dir / "hls" / "180p" / "index.m3u8").read_text()
    assert [line for line in playlist.splitlines() if line.startswith("seg_")] == [f"seg_{i:05d}.m4s" for i in range(3)]
    assert (ctx.media_dir / "hls" / "audio" / "index.m3u8").exists() and web_info(ctx).duration == pytest.approx(10, abs=0.1)


def test_stream_copied_portrait_clip_keeps_its_rotation(tmp_path):
    from videodesk.media import pipeline, probe

    from .helpers import LIMITS
    ctx = pipeline.Context(source=media.make_rotated_portrait(tmp_path / "phone.mov"), media_dir=tmp_path / "m",
                           work_dir=tmp_path / "w", limits=LIMITS, state={})
    pipeline.step_probe(ctx, None)
    pipeline.step_quick(ctx, lambda fraction: None)
    assert ctx.state["quick"]["copy"] and (ctx.state["quick"]["width"], ctx.state["quick"]["height"]) == (180, 320)
    for name in ("quick/video.mp4", "quick/hls/init.mp4"):
        made = probe.probe(ctx.media_dir / name, timeout=20)
        assert (made.video.display_width, made.video.display_height) == (180, 320), name
