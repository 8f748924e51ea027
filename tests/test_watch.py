"""The watch page, vertical video in oEmbed and sitemaps, the station logo (overlay, stylesheet,
social cuts) and the webhook API's rules, through Flask's client with real processing.
(Browser geometry: test_browser_vertical.py; deliveries to a live receiver: test_webhooks.py.)"""
import json
import re
import xml.etree.ElementTree as ET

import pytest

from videodesk.core import db, storage
from videodesk.core.errors import Invalid
from videodesk.core.models import WebhookDelivery
from videodesk.media.probe import probe
from videodesk.newsroom import branding, webhooks

from . import media
from .helpers import bearer, change_settings, sign_in, upload

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "video": "http://www.google.com/schemas/sitemap-video/1.1"}
ISO_DURATION = re.compile(r"PT(\d+H)?(\d+M)?(\d+S)?")


def _publish(client, tokens, video_id, headline="Bridge reopens after repairs", **extra):
    answer = client.post("/api/stories", headers=bearer(tokens["editor"]), json={
        "headline": headline, "dek": "Traffic returns to the old bridge.", "body": "Text.", "byline": "City desk",
        "video_id": video_id, "status": "published", **extra})
    assert answer.status_code == 201, answer.json
    return answer.json


def _json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def _vertical_video(client, tokens, vertical_clip, clips):
    answer = upload(client, tokens["producer"], vertical_clip, captions=(open(clips["srt"], "rb"), "c.srt"), title="Phone")
    video = client.get(answer.json["url"], headers=bearer(tokens["producer"])).json
    assert video["status"] == "ready", video
    return video


def test_watch_page_is_a_video_object_page_once_published(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    assert client.get(f"/videos/{video['id']}").status_code == 404  # no story yet
    _publish(client, tokens, video["id"], status="draft")
    assert client.get(f"/videos/{video['id']}").status_code == 404  # a draft does not make it public
    story = _publish(client, tokens, video["id"])
    for _ in range(2):
        client.post("/beacon", json={"video": video["id"], "surface": "watch", "view": True})

    page = client.get(f"/videos/{video['id']}?t=2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # The article's reading rules: cacheable, CSP without inline styles, never framed.
    assert page.headers["Cache-Control"].startswith("public") and page.headers["ETag"]
    assert "style-src 'self'" in page.headers["Content-Security-Policy"] and page.headers["X-Frame-Options"] == "DENY"
    assert client.get(f"/videos/{video['id']}", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    # The video is the main content: player first, then title, description, transcript, the story.
    assert html.index("<figure class=\"player\"") < html.index("<h1>Bridge reopens after repairs</h1>")
    assert '<p class="dek">Traffic returns to the old bridge.</p>' in html
    assert "First caption line Second caption line" in html
    assert f'href="{story["url"]}"' in html

    data = _json_ld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "VideoObject"
    for name in ("name", "description", "thumbnailUrl", "uploadDate", "contentUrl", "embedUrl", "duration"):
        assert data[name], name
    assert ISO_DURATION.fullmatch(data["duration"]) and data["duration"] == "PT3S"
    assert data["url"] == f"http://localhost/videos/{video['id']}" and data["contentUrl"].endswith("/video.mp4")
    assert data["interactionStatistic"] == {"@type": "InteractionCounter", "interactionType": {"@type": "WatchAction"},
                                            "userInteractionCount": 2}
    assert "hasPart" not in data  # no chapters

    meta = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html))
    assert meta["og:type"] == "video.other" and meta["og:url"] == data["url"]
    assert meta["og:video"].endswith("/video.mp4") and meta["twitter:card"] == "player"
    assert f'rel="canonical" href="{data["url"]}"' in html

    # The article links to it, and oEmbed takes its URL too.
    article = client.get(story["url"]).get_data(as_text=True)
    assert f'<a href="/videos/{video["id"]}">Watch page</a>' in article
    assert _json_ld(article)["video"]["url"] == data["url"]
    assert client.get("/oembed", query_string={"url": data["url"]}).json["type"] == "video"

    # The video sitemap lists the watch page, once per video, with its newest story (as the page shows).
    _publish(client, tokens, video["id"], headline="Follow-up story")
    [entry] = ET.fromstring(client.get("/sitemap-video.xml").data).findall("s:url", NS)
    assert entry.findtext("s:loc", namespaces=NS) == data["url"]
    assert entry.findtext("video:video/video:title", namespaces=NS) == "Follow-up story"
    assert entry.findtext("video:video/video:player_loc", namespaces=NS).endswith(f"/embed/{video['id']}")


def test_chapters_become_clips_pointing_at_the_watch_page(app):
    from videodesk.web.reader.structured_data import chapter_clips, watch_url
    with app.test_request_context():
        clips = chapter_clips([{"start": 0, "title": "Intro"}, {"start": 30.5, "title": "Repairs"}], 95.0,
                              watch_url("abc"))
    assert [(c["name"], c["startOffset"], c["endOffset"]) for c in clips] == [("Intro", 0, 30.5), ("Repairs", 30.5, 95)]
    assert clips[1]["url"] == "http://localhost/videos/abc?t=30"


def test_vertical_video_keeps_its_shape_in_outputs_and_oembed(client, tokens, clips, vertical_clip):
    video = _vertical_video(client, tokens, vertical_clip, clips)
    assert (video["width"], video["height"]) == (180, 320)
    assert all(p["height"] > p["width"] for p in video["posters"])
    with client.application.app_context():
        info = probe(storage.media_dir(video["id"]) / "preview.mp4", timeout=20)
    assert info.video.height > info.video.width
    story = _publish(client, tokens, video["id"])
    answer = client.get("/oembed", query_string={"url": "http://localhost" + story["url"]}).json
    assert answer["height"] > answer["width"] and (answer["width"], answer["height"]) == (180, 320)
    assert f'width="{answer["width"]}" height="{answer["height"]}"' in answer["html"]
    fitted = client.get("/oembed", query_string={"url": "http://localhost" + story["url"], "maxheight": 160}).json
    assert (fitted["width"], fitted["height"]) == (90, 160)
    html = client.get(f"/embed/{video['id']}").get_data(as_text=True)
    assert 'class="player-frame player-frame--portrait" data-width="180" data-height="320"' in " ".join(html.split())


def test_station_logo_overlay_stylesheet_and_social_cut(ready, clips, tmp_path):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    story = _publish(client, tokens, video["id"])
    assert "player-logo" not in client.get(story["url"]).get_data(as_text=True)
    assert client.post(f"/api/videos/{video['id']}/social-cut", headers=bearer(tokens["producer"]),
                       json={"aspect": "1:1", "logo": True}).json["error"]["code"] == "no_logo"

    csrf = sign_in(client, tokens["admin"])
    not_png = client.post("/studio/branding", data={"csrf_token": csrf, "logo": (open(clips["srt"], "rb"), "l.png")},
                          content_type="multipart/form-data")
    assert not_png.status_code == 400 and "must be a PNG" in not_png.get_data(as_text=True)
    huge = tmp_path / "huge.png"
    huge.write_bytes(media.make_solid_png(tmp_path / "small.png").read_bytes() + b"\0" * (1024 * 1024))
    assert client.post("/studio/branding", data={"csrf_token": csrf, "logo": (open(huge, "rb"), "h.png")},
                       content_type="multipart/form-data").status_code == 400
    logo = media.make_solid_png(tmp_path / "logo.png")
    saved = client.post("/studio/branding", content_type="multipart/form-data", data={
        "csrf_token": csrf, "logo": (open(logo, "rb"), "logo.png"), "corner": "top-left", "size": "25", "opacity": "1"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert client.post("/studio/branding", data={"csrf_token": csrf, "corner": "middle"}).status_code == 400
    client.get("/studio/logout")

    article = client.get(story["url"]).get_data(as_text=True)
    overlay = re.search(r'<img class="player-logo player-logo--top-left" src="([^"]+)"', article)
    assert overlay and client.get(overlay.group(1)).data == logo.read_bytes()
    css_url = re.search(r'<link rel="stylesheet" href="(/branding.css\?v=\w+)">', article).group(1)
    css = client.get(css_url)
    assert css.mimetype == "text/css" and ".player-logo { width: 25%; opacity: 1; }" in css.get_data(as_text=True)
    assert "player-logo--top-left" in client.get(f"/embed/{video['id']}").get_data(as_text=True)
    assert "player-logo--top-left" in client.get(f"/videos/{video['id']}").get_data(as_text=True)

    def cut(logo_wanted: bool):
        answer = client.post(f"/api/videos/{video['id']}/social-cut", headers=bearer(tokens["producer"]),
                             json={"aspect": "1:1", "logo": logo_wanted})
        assert answer.status_code == 202, answer.json
        url = client.get(f"/api/videos/{video['id']}", headers=bearer(tokens["producer"])).json["social_cuts"]["1:1"]
        path = tmp_path / f"cut-{logo_wanted}.mp4"
        path.write_bytes(client.get(url, headers=bearer(tokens["producer"])).data)
        return path

    # 720x720 cut, logo 25% = 180 px wide at a 22 px margin from the top-left corner: sample inside it.
    branded, clean = cut(True), cut(False)
    red, green, blue = media.mean_rgb(branded, 1.0, 40, 40, 100, 100)
    assert red > 200 and green < 60 and blue < 60
    assert media.mean_rgb(clean, 1.0, 40, 40, 100, 100) != pytest.approx((red, green, blue), abs=30)
    # The ladder was not touched.
    assert client.get(f"/api/videos/{video['id']}", headers=bearer(tokens["producer"])).json["mp4_url"] == video["mp4_url"]


def test_webhook_registration_rules(client, tokens, app):
    admin = bearer(tokens["admin"])
    assert client.post("/api/webhooks", headers=bearer(tokens["editor"]),
                       json={"url": "https://example.com/hook", "events": ["video.ready"]}).status_code == 403
    for body, field in (({"url": "ftp://example.com/", "events": ["video.ready"]}, "'url'"),
                        ({"url": "http://[::1", "events": ["video.ready"]}, "'url'"),
                        ({"events": ["video.ready"]}, "'url'"),
                        ({"url": "http://93.184.215.14/hook", "events": ["video.exploded"]}, "'events'"),
                        ({"url": "http://93.184.215.14/hook", "events": []}, "'events'"),
                        ({"url": "http://93.184.215.14/hook", "events": "video.ready"}, "'events'")):
        answer = client.post("/api/webhooks", headers=admin, json=body)
        assert answer.status_code == 400 and field in answer.json["error"]["message"], (body, answer.json)
    private = client.post("/api/webhooks", headers=admin, json={"url": "http://127.0.0.1:9/hook", "events": ["video.ready"]})
    assert private.status_code == 400 and "private or local address" in private.json["error"]["message"]

    created = client.post("/api/webhooks", headers=admin, json={"url": "http://93.184.215.14/hook",
                                                                "events": ["story.published", "video.ready"]})
    assert created.status_code == 201 and len(created.json["secret"]) == 64
    assert created.json["events"] == ["video.ready", "story.published"]
    listed = client.get("/api/webhooks", headers=admin).json["webhooks"]
    assert [h["id"] for h in listed] == [created.json["id"]] and "secret" not in listed[0]
    assert client.get("/api/webhooks/nosuchhook/deliveries", headers=admin).status_code == 404
    assert client.delete(f"/api/webhooks/{created.json['id']}", headers=admin).status_code == 204
    assert client.get("/api/webhooks", headers=admin).json["webhooks"] == []


def test_delivery_refuses_a_private_address_at_send_time(client, tokens, app):
    """Registered while private addresses were allowed; the guard on the connection still applies later."""
    change_settings(app, import_allow_private=True)
    hook = client.post("/api/webhooks", headers=bearer(tokens["admin"]),
                       json={"url": "http://127.0.0.1:9/hook", "events": ["story.published"]}).json
    change_settings(app, import_allow_private=False)
    story = client.post("/api/stories", headers=bearer(tokens["editor"]),
                        json={"headline": "Hello", "status": "published"}).json
    [delivery] = client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=bearer(tokens["admin"])).json["deliveries"]
    assert delivery["event"] == "story.published" and delivery["status"] == "pending"
    [attempt] = delivery["attempts"]
    assert attempt["number"] == 1 and attempt["status_code"] is None and "not a public address" in attempt["error"]
    with app.app_context():
        body = json.loads(db.session().get(WebhookDelivery, delivery["id"]).body)
    assert body["id"] == delivery["id"] and body["data"]["id"] == story["id"] and body["data"]["status"] == "published"


def test_retry_schedule_is_about_a_day():
    delays = webhooks.retry_delays(10)
    assert delays[:3] == [10, 30, 120] and 20 * 3600 < sum(delays) < 28 * 3600


def test_studio_webhooks_page_adds_lists_attempts_redelivers_and_deletes(client, tokens, app):
    change_settings(app, import_allow_private=True)  # the receiver address is refused at send time below
    csrf = sign_in(client, tokens["admin"])
    added = client.post("/studio/webhooks", data={"csrf_token": csrf, "url": "http://127.0.0.1:9/x",
                                                   "events": ["story.published"]})
    assert added.status_code == 200 and 'class="new-secret"' in added.get_data(as_text=True)
    change_settings(app, import_allow_private=False)
    hook = client.get("/api/webhooks", headers=bearer(tokens["admin"])).json["webhooks"][0]
    client.post("/api/stories", headers=bearer(tokens["editor"]), json={"headline": "Hi", "status": "published"})
    page = client.get(f"/studio/webhooks/{hook['id']}").get_data(as_text=True)
    assert "story.published" in page and "#1 " in page and "not a public address" in page
    [delivery] = client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=bearer(tokens["admin"])).json["deliveries"]
    assert client.post(f"/studio/webhooks/{hook['id']}/redeliver",
                       data={"csrf_token": csrf, "delivery": delivery["id"]}).status_code == 302
    [delivery] = client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=bearer(tokens["admin"])).json["deliveries"]
    assert [a["number"] for a in delivery["attempts"]] == [1, 2]
    deleted = client.post("/studio/webhooks", data={"csrf_token": csrf, "action": "delete", "webhook": hook["id"]})
    assert "No webhooks yet" in deleted.get_data(as_text=True)


def test_a_logo_must_be_a_whole_png_of_bounded_size(tmp_path):
    """Pillow checks the header and every chunk: a cut-off or corrupted PNG, or one too large, is refused."""
    png = media.make_solid_png(tmp_path / "logo.png").read_bytes()
    assert branding.png_dimensions(png)[0] >= 1
    for damaged in (png[:-20], png[:30] + bytes([png[30] ^ 0xFF]) + png[31:], b"GIF89a" + png[6:]):
        with pytest.raises(Invalid, match="must be a PNG image"):
            branding.png_dimensions(damaged)
    header = png[:16] + (5000).to_bytes(4, "big") + png[20:]
    with pytest.raises(Invalid):
        branding.png_dimensions(header)
