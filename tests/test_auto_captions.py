"""Automatic captions with the real pocketsphinx on espeak-ng speech, and the cue segmentation."""
import re

from videodesk.media.speech import MAX_LINE, Word, cues_from_words

from . import media
from .helpers import bearer, upload

# Bounds measured with pocketsphinx 5.1.1's bundled US English model on this script and voice:
# WER 0.48, 62% of the distinct words found. espeak-ng's formant voice is far from the human speech
# the model was trained on, so the bounds leave some room but still demand that most words come
# through; human newsroom speech does markedly better.
MAX_WER = 0.6
MIN_WORDS_FOUND = 0.55


def normalized(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def test_speech_clip_gets_an_automatic_track_with_the_spoken_words(client, tokens, tmp_path):
    source = media.make_speech_clip(tmp_path / "council.mp4")
    auth = bearer(tokens["producer"])
    video = client.get(upload(client, tokens["producer"], source).json["url"], headers=auth).json
    assert video["status"] == "ready", video["error"]
    [track] = video["captions"]
    assert (track["source"], track["lang"], track["label"]) == ("auto", "en", "English")
    vtt = client.get(track["url"], headers=auth).get_data(as_text=True)
    assert vtt.startswith("WEBVTT")
    spoken = " ".join(line for line in vtt.splitlines()[1:] if line and "-->" not in line)
    reference, heard = normalized(media.SPEECH_SCRIPT), normalized(spoken)
    found = sum(word in heard.split() for word in set(reference.split())) / len(set(reference.split()))
    wer = media.word_error_rate(reference, heard)
    assert wer <= MAX_WER and found >= MIN_WORDS_FOUND, (wer, found, heard)
    for line in vtt.splitlines():
        assert len(line) <= MAX_LINE or "-->" in line


def test_rerun_makes_a_new_version_of_the_auto_track(client, tokens, tmp_path):
    source = media.make_speech_clip(tmp_path / "short.mp4", "The bridge will open on Monday.")
    auth = bearer(tokens["producer"])
    video = client.get(upload(client, tokens["producer"], source).json["url"], headers=auth).json
    assert client.post(f"{video['url']}/captions/auto", headers=auth).status_code == 202
    [track] = client.get(video["url"], headers=auth).json["captions"]
    assert track["source"] == "auto" and track["versions"] == 2


def test_silent_tone_or_captioned_videos_get_no_automatic_track(client, tokens, clips, tmp_path):
    auth = bearer(tokens["producer"])
    # A long steady tone passes voice activity detection, but must not turn into "words".
    tone = media.make_clip(tmp_path / "tone.mp4", seconds=10, frequency=330)
    video = client.get(upload(client, tokens["producer"], tone).json["url"], headers=auth).json
    assert video["status"] == "ready" and video["captions"] == []
    mute = media.make_clip(tmp_path / "mute.mp4", seconds=2, audio=False)
    video = client.get(upload(client, tokens["producer"], mute).json["url"], headers=auth).json
    assert video["captions"] == []
    assert client.post(f"{video['url']}/captions/auto", headers=auth).status_code == 409
    captioned = client.get(upload(client, tokens["producer"], clips["clip"],
                                  captions=(open(clips["srt"], "rb"), "c.srt")).json["url"], headers=auth).json
    assert [t["source"] for t in captioned["captions"]] == ["upload"]


def words(text, start=0.0, step=0.35, gaps=()):
    result, t = [], start
    for i, word in enumerate(text.split()):
        if i in gaps:
            t += 1.5
        result.append(Word(word, t, t + step - 0.05))
        t += step
    return result


def test_cues_are_readable():
    text = ("the city council approved the new budget on tuesday after a long debate residents will see "
            "more buses and longer library hours next year the mayor said")
    cues = cues_from_words(words(text))
    for cue in cues:
        lines = cue["text"].split("\n")
        assert len(lines) <= 2 and all(len(line) <= MAX_LINE for line in lines)
        assert 1.0 <= cue["end"] - cue["start"] <= 7.0
    assert " ".join(c["text"].replace("\n", " ") for c in cues) == text
    assert all(a["end"] <= b["start"] for a, b in zip(cues, cues[1:], strict=False))


def test_a_pause_ends_a_cue_and_short_cues_stay_a_second():
    cues = cues_from_words(words("good evening and welcome tonight the floods", gaps=(4,)))
    assert [c["text"] for c in cues] == ["good evening and welcome", "tonight the floods"]
    single = cues_from_words([Word("Hello", 0.0, 0.3)])
    assert single == [{"start": 0.0, "end": 1.0, "text": "Hello"}]
