"""Caption tracks after upload: list, edit as WebVTT or cue JSON (versions kept), social cuts with
burned-in captions."""
import subprocess

import pytest

from .helpers import bearer


def test_list_and_edit_captions_keeps_every_version(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    auth = bearer(tokens["producer"])
    listed = client.get(f"{video['url']}/captions?cues=1", headers=auth).json["captions"]
    assert listed[0]["cues"][0] == {"start": 0.2, "end": 1.2, "text": "First caption line"}
    first_url = listed[0]["url"]

    cues = [{"start": 0.2, "end": 1.0, "text": "First caption"}, {"start": 1.0, "end": 1.2, "text": "line, split"},
            {"start": 1.4, "end": 2.6, "text": "Second caption line"}]
    edited = client.put(f"{video['url']}/captions/en", json={"cues": cues}, headers=auth)
    assert edited.status_code == 200 and edited.json["versions"] == 2 and edited.json["url"] != first_url
    served = client.get(edited.json["url"], headers=auth).get_data(as_text=True)
    assert "00:00:01.000 --> 00:00:01.200\nline, split" in served
    assert client.get(first_url, headers=auth).status_code == 200  # the old version is still there

    raw = "WEBVTT\n\n00:00:00.500 --> 00:00:02.000\nBonjour\n"
    french = client.put(f"{video['url']}/captions/fr", data=raw, content_type="text/vtt", headers=auth)
    assert french.status_code == 201 and french.json["label"] == "Français"


@pytest.mark.parametrize("body, message", [
    ({"cues": []}, "non-empty"), ({"cues": [{"start": 2, "end": 1, "text": "x"}]}, "Cue 1"),
    ({"cues": [{"start": 0, "end": 1, "text": "ok"}, {"start": 1, "end": 2, "text": " "}]}, "Cue 2"),
    ({"cues": "nope"}, "non-empty"),
])
def test_bad_caption_edits_are_refused_and_nothing_is_lost(ready, body, message):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    auth = bearer(tokens["producer"])
    response = client.put(f"{video['url']}/captions/en", json=body, headers=auth)
    assert response.status_code == 400 and message in response.json["error"]["message"]
    assert client.get(f"{video['url']}/captions", headers=auth).json["captions"][0]["versions"] == 1


def bottom_and_top_difference(a, b, width, height):
    """Mean absolute luma difference of two frames in the bottom quarter and the top quarter."""
    def frame(path):
        return subprocess.run(["ffmpeg", "-v", "error", "-ss", "1", "-i", str(path), "-frames:v", "1",
                               "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    fa, fb = frame(a), frame(b)
    quarter = width * (height // 4)
    def diff(x, y):
        return sum(abs(p - q) for p, q in zip(x, y, strict=False)) / len(x)
    return diff(fa[-quarter:], fb[-quarter:]), diff(fa[:quarter], fb[:quarter])


@pytest.mark.parametrize("aspect, size", [("9:16", (720, 1280)), ("1:1", (720, 720))])
def test_social_cut_has_the_captions_burned_in(ready, aspect, size):
    app, client, tokens = ready.app, ready.client, ready.tokens
    video = ready.video
    auth = bearer(tokens["producer"])
    client.put(f"{video['url']}/captions/en", headers=auth, json={"cues": [
        {"start": 0, "end": 3, "text": "A LONG CAPTION LINE TO BURN IN"}]})
    response = client.post(f"{video['url']}/social-cut", json={"aspect": aspect}, headers=auth)
    assert response.status_code == 202
    cut_url = client.get(video["url"], headers=auth).json["social_cuts"][aspect]
    media_dir = app.settings.data_dir / "media" / video["id"]
    cut = media_dir / cut_url.rsplit("/", 1)[1]
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "csv=p=0", str(cut)], capture_output=True, text=True).stdout.strip()
    assert probe == f"{size[0]},{size[1]}"
    # The same reframing without captions, for comparison: only the caption area differs.
    from videodesk.media import runner, social
    plain = media_dir.parent / "plain.mp4"
    runner.run(social.social_cut_command(media_dir / "video.mp4", None, plain, aspect, True), timeout=120)
    bottom, top = bottom_and_top_difference(cut, plain, *size)
    assert bottom > 8 and top < 2, (bottom, top)


def test_social_cut_errors(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    auth = bearer(tokens["producer"])
    assert client.post(f"{video['url']}/social-cut", json={"aspect": "4:3"}, headers=auth).status_code == 400


def test_a_remade_social_cut_gets_a_new_name_and_the_old_file_goes(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    auth = bearer(tokens["producer"])
    urls = []
    for _ in range(2):
        client.post(f"{video['url']}/social-cut", json={"aspect": "1:1"}, headers=auth)
        urls.append(client.get(video["url"], headers=auth).json["social_cuts"]["1:1"])
    assert urls[0] != urls[1]
    assert client.get(urls[0], headers=auth).status_code == 404 and client.get(urls[1], headers=auth).status_code == 200
