import pytest

from videodesk.media.captions import to_webvtt
from videodesk.media.runner import MediaError


def test_srt_with_bom_and_crlf_becomes_webvtt():
    srt = "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nWorld\r\n"
    vtt = to_webvtt(srt.encode("utf-8"))
    assert vtt.startswith("WEBVTT\n")
    assert "00:00:01.000 --> 00:00:02.500\nHello" in vtt
    assert "\r" not in vtt and "\ufeff" not in vtt


def test_webvtt_is_kept_and_cues_sorted_by_time():
    vtt = to_webvtt(b"WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nlater\n\n00:00:01.000 --> 00:00:02.000\nearlier\n")
    assert vtt.index("earlier") < vtt.index("later")


def test_latin1_srt_is_read():
    assert "café" in to_webvtt("1\n00:00:01,000 --> 00:00:02,000\ncafé\n".encode("cp1252"))


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"just some text\nwithout any cues\n", "not valid SRT"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:xx,000 --> 00:00:02,000\nbad\n", "Line 6 has an invalid cue timing"),
    (b"WEBVTT\n\nnot a cue\n", "no cues"),
])
def test_bad_caption_files_are_refused_clearly(data, message):
    with pytest.raises(MediaError, match=message):
        to_webvtt(data)


def test_html_ish_tags_and_ass_overrides_are_cleaned_but_vtt_markup_kept():
    srt = ('1\n00:00:01,000 --> 00:00:02,000\n<font color="#ffff00">{\\an8}Yellow</font> <B>bold</B>\n\n'
           '2\n00:00:02,500 --> 00:00:03,000\n<script>x</script><i class="a">soft</i>\n')
    vtt = to_webvtt(srt.encode())
    assert "Yellow <b>bold</b>" in vtt and "<i>soft</i>" in vtt
    assert "font" not in vtt and "script" not in vtt and "an8" not in vtt
    kept = to_webvtt(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Mayor>We will rebuild.</v>\n")
    assert "<v Mayor>We will rebuild.</v>" in kept


def test_overlapping_cues_are_kept_in_time_order_and_reversed_times_refused():
    overlapping = b"WEBVTT\n\n00:00:02.000 --> 00:00:04.000\nB\n\n00:00:01.000 --> 00:00:03.000\nA\n"
    vtt = to_webvtt(overlapping)
    assert vtt.index("\nA\n") < vtt.index("\nB")
    with pytest.raises(MediaError, match="ends before it starts"):
        to_webvtt(b"1\n00:00:05,000 --> 00:00:04,000\nBackwards\n")
