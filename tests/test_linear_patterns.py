"""Every pattern that reads user or media text runs in linear time (docs/SECURITY.md, third review,
finding 1): a megabyte of each pattern's worst case is cleaned or refused at once, and a 4 MB caption
upload of the worst case does not pin a gunicorn worker."""
import threading

import pytest
import requests
from yt_dlp.downloader.hls import HlsFD

from videodesk.auth.tokens import issue_token
from videodesk.core import db
from videodesk.core.errors import Invalid
from videodesk.core.models import User
from videodesk.ingest.url_import import _playlist_reason
from videodesk.media.captions import MAX_CUE_CHARS, clean_cue_text, to_webvtt
from videodesk.media.loudness import parse_measurement
from videodesk.media.runner import MediaError
from videodesk.newsroom.chapters import MAX_CHAPTER_LINE, parse_chapter_lines
from videodesk.newsroom.library import new_video

from .helpers import bearer, make_app
from .servers import Instance

MB = 1024 * 1024
CUE_WORST_CASES = {
    "tag openings without '>'": "<a" * (MB // 2),
    "one long tag name": "<" + "a" * MB,
    "a tag with a long attribute run": "<a " + " x" * (MB // 2),
    "ASS override openings without '}'": "{\\" * (MB // 2),
}


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", CUE_WORST_CASES.values(), ids=CUE_WORST_CASES.keys())
def test_a_megabyte_of_the_worst_cue_text_is_cleaned_at_once(text):
    assert clean_cue_text("{\\an8}<B>kept</B> " + text).startswith("<b>kept</b> ")


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", CUE_WORST_CASES.values(), ids=CUE_WORST_CASES.keys())
def test_a_caption_file_with_a_megabyte_cue_is_refused_readably(text):
    srt = f"1\n00:00:01,000 --> 00:00:02,000\n{text}\n".encode()
    with pytest.raises(MediaError, match=f"The cue at 00:00:01.000 is longer than {MAX_CUE_CHARS} characters"):
        to_webvtt(srt)


@pytest.mark.timeout(10)
def test_a_megabyte_of_cue_timings_is_checked_at_once():
    with pytest.raises(MediaError, match="Line 2 has an invalid cue timing"):
        to_webvtt(("1\n" + "1" * MB + " --> 00:00:02,000\nText\n").encode())


@pytest.mark.timeout(10)
@pytest.mark.parametrize("line", ["0:00 a" + " " * MB + "b", "0:00 " + "-" * MB, "(0:00) " + "x " * (MB // 2)])
def test_a_megabyte_chapter_line_is_refused_at_once(line):
    with pytest.raises(Invalid, match=f"Line 2 is longer than {MAX_CHAPTER_LINE} characters"):
        parse_chapter_lines("Intro prose\n" + line)


@pytest.mark.timeout(10)
def test_a_megabyte_of_prose_beside_chapter_lines_is_read_at_once():
    prose = "0" * MB + "\n" + " " * MB + "\n" + "(12" + ":" * MB
    assert parse_chapter_lines(prose + "\n0:00 Intro\n") == [{"start": 0, "title": "Intro"}]


@pytest.mark.timeout(10)
def test_a_playlist_with_a_megabyte_of_key_tags_on_one_line_is_checked_at_once():
    playlist = "#EXTM3U\n" + "#EXT-X-KEY:" * (MB // 11) + "\nsegment.ts\n#EXT-X-ENDLIST\n"
    assert _playlist_reason(playlist, "https://example.com/p.m3u8") is None
    assert not HlsFD._has_drm(playlist)  # yt-dlp's own check, which its extractors run on master playlists


@pytest.mark.parametrize(("line", "drm"), [
    ('#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://key",KEYFORMAT="x"', True),
    ('#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,KEYFORMAT="com.microsoft.playready",URI="data:x"', True),
    ('#EXT-X-KEY:METHOD=AES-128,URI="https://example.com/key"', False),
    ('URI="skd://key" #EXT-X-KEY:METHOD=NONE', False), ("#EXT-X-FAXS-CM:abc", True), ("segment.ts", False)])
def test_the_linear_drm_check_answers_as_yt_dlp_s_patterns(line, drm):
    assert HlsFD._has_drm(f"#EXTM3U\n{line}\n") is drm


@pytest.mark.timeout(10)
def test_a_megabyte_of_loudness_output_is_read_at_once():
    stderr = "{" + '"input_i"' * (MB // 9) + '\n{"input_i": "-20.0", "input_tp": "-3.0", "input_lra": "4.0", ' \
             '"input_thresh": "-30.0", "target_offset": "0.5", "normalization_type": "dynamic"}\n'
    assert parse_measurement(stderr)["input_i"] == -20.0


@pytest.fixture(scope="module")
def one_worker_site(tmp_path_factory):
    """One gunicorn worker, so a stalled worker would stall every request."""
    instance = Instance(tmp_path_factory.mktemp("linear"), GUNICORN_CMD_ARGS="--workers 1")
    with make_app(instance.data_dir).app_context():
        producer = User(name="pat", role="producer")
        db.session().add(producer)
        db.session().flush()
        instance.token = issue_token(producer)
        instance.video_id = new_video(producer.id, "Flood defences", "clip.mp4").id
        db.session().commit()
    instance.start_web()
    yield instance
    instance.stop()


@pytest.mark.server
@pytest.mark.timeout(120)
def test_a_4_mb_worst_case_caption_upload_does_not_stall_the_worker(one_worker_site):
    site = one_worker_site
    body = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + "<a" * (2 * MB - 30) + "\n").encode()
    assert 4 * MB - 100 < len(body) <= 4 * MB
    answers = {}

    def upload():
        answers["upload"] = requests.put(f"{site.base}/api/videos/{site.video_id}/captions/en", data=body,
                                         headers={**bearer(site.token), "Content-Type": "text/vtt"}, timeout=100)

    uploader = threading.Thread(target=upload)
    uploader.start()
    # Asked while the upload is read and parsed: a worker pinned by a regex would not answer in time.
    while uploader.is_alive():
        assert requests.get(site.base + "/healthz", timeout=20).json() == {"ok": True}
        uploader.join(timeout=0.2)
    answer = answers["upload"]
    assert answer.status_code == 400, site.log_text()
    assert answer.json()["error"]["code"] == "invalid_captions"
    assert f"longer than {MAX_CUE_CHARS} characters" in answer.json()["error"]["message"]
