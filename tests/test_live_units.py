"""Pure pieces of live streaming, without ffmpeg or a server: the packager's command, the event
playlist (sessions, discontinuities, the DVR window, the end) and where caption windows are cut."""
import m3u8
import numpy

from videodesk.jobs.live.captions import cut_point
from videodesk.jobs.live.event import EventPlaylist, master_text
from videodesk.media.live import LiveInput, package_command, read_probe
from videodesk.media.speech import SAMPLE_RATE

H264_AAC = LiveInput("h264", "aac", 1080)


def test_browser_safe_input_is_passed_through_into_two_second_fmp4_segments():
    args = package_command("rtmp://127.0.0.1:1935/live/k", H264_AAC, "/tmp/s1", 42.5, captions_audio=True)
    joined = " ".join(args)
    assert "-c:v copy" in joined and "-c:a copy" in joined and "libx264" not in joined
    assert "-hls_time 2" in joined and "-hls_segment_type fmp4" in joined and "-hls_playlist_type event" in joined
    assert "-output_ts_offset 42.500" in joined
    assert args[-3:] == ["-f", "s16le", "pipe:1"]  # the sound for live captions


def test_other_codecs_get_one_browser_safe_rendition():
    args = " ".join(package_command("pipe:0", LiveInput("hevc", "mp3", 2160), "/tmp/s1", 0, captions_audio=False))
    assert "-f mpegts -i pipe:0" in args and "libx264" in args and "-c:a aac" in args and "pipe:1" not in args


def test_probe_results_are_read():
    found = read_probe({"streams": [{"codec_type": "audio", "codec_name": "aac"},
                                    {"codec_type": "video", "codec_name": "h264", "height": 720}]})
    assert found == LiveInput("h264", "aac", 720) and found.video_passes and found.audio_passes


def test_a_reconnect_continues_the_event_after_one_discontinuity_and_the_end_closes_it():
    event = EventPlaylist()
    for session, count in (("s1", 3), ("s2", 2)):
        for n in range(count):
            event.add(session, f"seg{n:05d}.m4s", 2.0)
    parsed = m3u8.loads(event.text(ended=False))
    assert parsed.playlist_type == "event" and not parsed.is_endlist
    assert [s.discontinuity for s in parsed.segments] == [False, False, False, True, False]
    assert [s.init_section.uri for s in parsed.segments] == ["s1/init.mp4"] * 3 + ["s2/init.mp4"] * 2
    assert event.duration == 10.0 and event.sessions() == ["s1", "s2"]
    assert m3u8.loads(event.text(ended=True)).is_endlist
    again = EventPlaylist.from_text(event.text(ended=False))
    assert [s.uri for s in again.segments] == [s.uri for s in event.segments]


def test_past_the_dvr_window_the_oldest_segments_leave_the_playlist():
    event = EventPlaylist()
    for n in range(10):
        event.add("s1", f"seg{n:05d}.m4s", 2.0)
    parsed = m3u8.loads(event.text(ended=False, window_s=6))
    assert len(parsed.segments) == 3 and parsed.media_sequence == 7 and parsed.playlist_type is None


def test_the_master_lists_the_rendition_and_the_live_captions():
    text = master_text([("video.m3u8", 5_000_000, None, None)], ("captions.m3u8", "en", "English (auto-generated, live)"))
    assert 'TYPE=SUBTITLES' in text and 'NAME="English (auto-generated, live)"' in text and 'SUBTITLES="subs"' in text


def test_caption_windows_end_at_a_pause_or_at_most_five_seconds():
    loud = numpy.full(SAMPLE_RATE * 6, 0.3, dtype=numpy.float32)
    assert cut_point(loud[: SAMPLE_RATE * 4]) is None  # no pause yet, under the longest window
    assert cut_point(loud) is not None and cut_point(loud) <= SAMPLE_RATE * 5
    paused = loud.copy()
    paused[int(SAMPLE_RATE * 3):int(SAMPLE_RATE * 3.3)] = 0
    assert abs(cut_point(paused) / SAMPLE_RATE - 3.05) < 0.06
