"""Chapter rules and "0:00 Title" description lines (pure functions)."""
import pytest

from videodesk.core.errors import Invalid
from videodesk.newsroom.chapters import chapters_webvtt, parse_chapter_lines, shifted, validate_chapters


def test_description_lines_become_chapters_and_prose_is_ignored():
    text = """Our report from the flood zone.
0:00 Intro
1:05 - The river rises
(12:30) Interviews
01:02:03 | Aftermath
12:75 not a time
Thanks to 3:00 viewers"""
    assert parse_chapter_lines(text) == [
        {"start": 0, "title": "Intro"}, {"start": 65, "title": "The river rises"},
        {"start": 750, "title": "Interviews"}, {"start": 3723, "title": "Aftermath"}]
    assert parse_chapter_lines("") == []


@pytest.mark.parametrize(("items", "field"), [
    ("0:00 Intro", "'chapters'"), ([{"start": 0, "title": "A"}] * 101, "'chapters'"), (["Intro"], "chapters[0]"),
    ([{"start": "0", "title": "A"}], "chapters[0].start"), ([{"start": True, "title": "A"}], "chapters[0].start"),
    ([{"start": 60, "title": "A"}], "chapters[0].start"), ([{"start": 0, "title": " "}], "chapters[0].title"),
    ([{"start": 0, "title": "A"}, {"start": 0, "title": "B"}], "chapters[1].start"),
    ([{"start": 5, "title": "A"}, {"start": 1, "title": "B"}], "chapters[1].start"),
    ([{"start": 0, "title": "A\nB"}], "chapters[0].title"), ([{"start": 0, "title": "a --> b"}], "chapters[0].title"),
    ([{"start": float("nan"), "title": "A"}], "chapters[0].start"),
])
def test_bad_chapters_name_the_field(items, field):
    with pytest.raises(Invalid) as raised:
        validate_chapters(items, 60.0)
    assert field in raised.value.message


def test_chapters_webvtt_runs_each_chapter_to_the_next_and_the_last_to_the_end():
    chapters = validate_chapters([{"start": 2.5, "title": " Second "}, {"start": 30, "title": "Third"}], 60.0)
    assert chapters == [{"start": 2.5, "title": "Second"}, {"start": 30.0, "title": "Third"}]
    assert chapters_webvtt(chapters, 61.2) == ("WEBVTT\n\n1\n00:00:02.500 --> 00:00:30.000\nSecond\n\n"
                                               "2\n00:00:30.000 --> 00:01:01.200\nThird\n")


def test_a_range_keeps_the_running_chapter_from_zero_and_those_inside():
    chapters = [{"start": 0.0, "title": "A"}, {"start": 10.0, "title": "B"}, {"start": 20.0, "title": "C"}]
    assert shifted(chapters, 12.0, 25.0) == [{"start": 0.0, "title": "B"}, {"start": 8.0, "title": "C"}]
    assert shifted(chapters[1:], 2.0, 9.0) == []
