"""Packaging a story in one screen: the picker's JSON, the story forms' video field, and the video
page's "Used in", embed code, share URLs and downloads (the browser flows are in test_browser_field.py)."""
import html
import re

from videodesk.web.sharing import aspect_padding, embed_snippet

from .helpers import bearer, sign_in, upload

PICKER_FIELDS = {"id", "title", "duration", "status", "status_text", "active", "progress", "error", "playable", "poster_url", "url", "page_url"}


def test_embed_snippet_keeps_the_video_shape_and_escapes_the_title():
    assert aspect_padding(1920, 1080) == 56.25 and aspect_padding(180, 320) == 177.7778
    assert aspect_padding(None, None) == 56.25  # not probed yet
    snippet = embed_snippet("https://news.example/embed/abc", 'Storm "live" <b>', 1080, 1080)
    assert 'padding-top:100%' in snippet and 'title="Storm &#34;live&#34; &lt;b&gt;"' in snippet
    assert 'position:absolute;inset:0;width:100%;height:100%' in snippet


def test_picker_finds_videos_by_title_and_id_within_what_the_user_may_manage(ready, clips):
    client, tokens = ready.client, ready.tokens
    mine = ready.video
    theirs = upload(client, tokens["other"], clips["clip"], title="Harbour fire").json
    sign_in(client, tokens["producer"])
    listed = client.get("/studio/videos.json").json["videos"]
    assert [v["id"] for v in listed] == [mine["id"]]  # another producer's clip is not offered
    entry = listed[0]
    assert set(entry) == PICKER_FIELDS
    assert entry["status"] == "ready" and entry["playable"] is True and entry["duration"] > 2
    assert entry["poster_url"].endswith(".jpg") and entry["url"] == f"/api/videos/{mine['id']}"
    assert client.get("/studio/videos.json?q=flood").json["videos"][0]["id"] == mine["id"]
    assert client.get("/studio/videos.json?q=%25").json["videos"] == []  # LIKE wildcards are literal

    sign_in(client, tokens["editor"])
    assert {v["id"] for v in client.get("/studio/videos.json").json["videos"]} == {mine["id"], theirs["id"]}
    by_id = client.get(f"/studio/videos.json?ids={theirs['id']},nonexistent").json["videos"]
    assert [v["title"] for v in by_id] == ["Harbour fire"]
    assert client.get("/studio/videos.json?ids=").json["videos"] == []


def test_picker_needs_a_session(client):
    response = client.get("/studio/videos.json")
    assert response.status_code == 302 and response.headers["Location"].endswith("/studio/login")


def test_story_forms_post_the_picked_video_from_a_hidden_field(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    csrf = sign_in(client, tokens["editor"])
    form = client.get(f"/studio/stories/new?video_id={video['id']}").get_data(as_text=True)
    assert "Video id" not in form
    assert f'<input type="hidden" id="video_id" name="video_id" value="{video["id"]}">' in form
    assert 'accept="video/*"' in form and "Flood defences" in form
    created = client.post("/studio/stories/new", data={"headline": "Picked", "video_id": video["id"], "csrf_token": csrf})
    editor_url = created.headers["Location"]
    story_id = int(editor_url.rsplit("/", 1)[1])
    assert client.get(f"/api/stories/{story_id}", headers=bearer(tokens["editor"])).json["video_id"] == video["id"]
    editor = client.get(editor_url).get_data(as_text=True)
    assert f'name="video_id" value="{video["id"]}"' in editor and 'class="picked-title">Flood defences<' in editor
    # An unknown id is refused with the field named, as before.
    bad = client.post("/studio/stories/new", data={"headline": "Bad", "video_id": "nope", "csrf_token": csrf})
    assert bad.status_code == 400 and "video_id" in bad.get_data(as_text=True)


def test_video_page_lists_stories_and_hands_out_embed_code_urls_and_downloads(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    page_url = f"/studio/videos/{video['id']}"
    sign_in(client, tokens["editor"])
    before = client.get(page_url).get_data(as_text=True)
    assert "No story uses this video yet." in before and "once the video is ready and a published story uses it" in before

    draft = client.post("/api/stories", headers=bearer(tokens["editor"]),
                        json={"headline": "Draft use", "video_id": video["id"]}).json
    live = client.post("/api/stories", headers=bearer(tokens["editor"]),
                       json={"headline": "Live use", "video_id": video["id"], "status": "published"}).json
    page = client.get(page_url).get_data(as_text=True)
    used_in = page[page.index('id="used-in-heading"'):page.index('id="share-heading"')]
    assert re.search(rf'href="/studio/stories/{live["id"]}">Live use</a>.*?badge--live', used_in, re.S)
    assert re.search(rf'href="/studio/stories/{draft["id"]}">Draft use</a>.*?badge--draft', used_in, re.S)
    assert "once the video is ready" not in page

    embed = html.unescape(re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert embed.startswith('<div style="position:relative;padding-top:56.25%">')  # the 320x180 clip
    assert f'src="http://localhost/embed/{video["id"]}"' in embed
    oembed = html.unescape(re.search(r'id="oembed-url"[^>]*value="([^"]+)"', page).group(1))
    assert client.get(oembed).json["html"].count(f"/embed/{video['id']}") == 1  # the copied URL answers
    assert f'id="watch-url" class="copy-source" readonly value="http://localhost/videos/{video["id"]}"' in page
    downloads = page[page.index('class="downloads"'):]
    assert f'href="/media/{video["id"]}/' in downloads and "MP4 (320×180)" in downloads
    assert "Captions: English (en, WebVTT)" in downloads
    assert "studio-share.js" in page

    # Producers see the list without editor links.
    sign_in(client, tokens["producer"])
    page = client.get(page_url).get_data(as_text=True)
    assert "Live use" in page and "/studio/stories/" not in page
