"""Reader surfaces through Flask's client: structured data, oEmbed, sitemaps, feed, framing rules,
HTTP caching and watch analytics. (Browser checks are in test_browser.py.)"""
import json
import re
import xml.etree.ElementTree as ET

import pytest

from .helpers import bearer, csrf_from, make_app

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "video": "http://www.google.com/schemas/sitemap-video/1.1",
      "media": "http://search.yahoo.com/mrss/"}


@pytest.fixture
def app(ready):
    """Every reader test starts from a copy of the session's ready video (processed once per run)."""
    return ready.app


@pytest.fixture
def tokens(ready):
    return ready.tokens


@pytest.fixture
def published(client, tokens, ready):
    video = ready.video
    story = client.post("/api/stories", headers=bearer(tokens["editor"]), json={
        "headline": "Bridge reopens after repairs", "dek": "Traffic returns to the old bridge.", "body": "Text.",
        "byline": "City desk", "section": "Local News", "video_id": video["id"], "status": "published"}).json
    return {"video": video, "story": story, "url": "http://localhost" + story["url"]}


def test_json_ld_news_article_with_video_object(client, published):
    html = client.get(published["story"]["url"]).get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "Bridge reopens after repairs" and data["author"][0]["name"] == "City desk"
    video = data["video"]
    assert video["@type"] == "VideoObject" and video["name"] == "Bridge reopens after repairs"
    assert video["description"] == "Traffic returns to the old bridge."
    assert video["thumbnailUrl"][0].startswith("http://localhost/media/")
    assert re.fullmatch(r"PT\d+S", video["duration"]) and video["duration"] == "PT3S"
    assert video["uploadDate"] == data["datePublished"]
    assert video["contentUrl"].endswith("/video.mp4") and video["embedUrl"].endswith(f"/embed/{published['video']['id']}")
    assert video["transcript"] == "First caption line Second caption line"


def test_open_graph_twitter_and_oembed_discovery_tags(client, published):
    html = client.get(published["story"]["url"]).get_data(as_text=True)
    meta = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html))
    assert meta["og:type"] == "article" and meta["og:video"].endswith("/video.mp4")
    assert meta["og:video:type"] == "video/mp4" and meta["og:video:width"] == "320"
    assert meta["og:image"].startswith("http://localhost/media/") and meta["og:image:width"] == "320"
    assert meta["twitter:card"] == "player" and meta["twitter:player"].endswith(f"/embed/{published['video']['id']}")
    assert 'type="application/json+oembed"' in html and 'type="text/xml+oembed"' in html
    assert '<details class="transcript">' in html


def test_oembed_json_follows_the_spec(client, published):
    answer = client.get("/oembed", query_string={"url": published["url"], "format": "json"})
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    data = answer.json
    assert (data["version"], data["type"], data["title"]) == ("1.0", "video", "Bridge reopens after repairs")
    assert (data["width"], data["height"]) == (320, 180) and data["author_name"] == "City desk"
    assert data["html"].startswith('<iframe src="http://localhost/embed/') and 'width="320"' in data["html"]
    assert data["thumbnail_url"].startswith("http://localhost/media/") and data["thumbnail_width"] == 320
    assert data["provider_name"] == "videodesk"


def test_oembed_respects_maxwidth_and_maxheight(client, published):
    data = client.get("/oembed", query_string={"url": published["url"], "maxwidth": 160}).json
    assert (data["width"], data["height"]) == (160, 90)
    data = client.get("/oembed", query_string={"url": published["url"], "maxheight": 45}).json
    assert (data["width"], data["height"]) == (80, 45) and 'height="45"' in data["html"]


def test_oembed_xml_and_embed_urls(client, published):
    embed_url = f"http://localhost/embed/{published['video']['id']}"
    answer = client.get("/oembed", query_string={"url": embed_url, "format": "xml"})
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    root = ET.fromstring(answer.data)
    assert root.tag == "oembed" and root.findtext("type") == "video" and root.findtext("version") == "1.0"
    assert root.findtext("html").startswith("<iframe")


@pytest.mark.parametrize("query, status", [
    ({"url": "http://localhost/stories/nope"}, 404), ({"url": "http://elsewhere.example/stories/x"}, 404),
    ({}, 400), ({"url": "PUBLISHED", "format": "yaml"}, 501), ({"url": "PUBLISHED", "maxwidth": "wide"}, 400),
    ({"url": "PUBLISHED", "maxwidth": "\u00b2"}, 400), ({"url": "http://[::1/stories/x"}, 404),
])
def test_oembed_errors(client, published, query, status):
    query = {key: published["url"] if value == "PUBLISHED" else value for key, value in query.items()}
    assert client.get("/oembed", query_string=query).status_code == status


def test_sitemaps_and_media_rss_parse_with_their_namespaces(client, published):
    sitemap = ET.fromstring(client.get("/sitemap.xml").data)
    locs = [e.text for e in sitemap.findall("s:url/s:loc", NS)]
    assert published["url"] in locs and "http://localhost/sections/local-news" in locs

    video_map = ET.fromstring(client.get("/sitemap-video.xml").data)
    [entry] = video_map.findall("s:url", NS)
    assert entry.findtext("s:loc", namespaces=NS) == f"http://localhost/videos/{published['video']['id']}"  # the watch page
    video = entry.find("video:video", NS)
    for field in ("thumbnail_loc", "title", "description", "content_loc", "player_loc", "duration", "publication_date"):
        assert video.findtext(f"video:{field}", namespaces=NS), field
    assert video.findtext("video:duration", namespaces=NS) == "3"

    rss = client.get("/feeds/video.xml")
    assert rss.mimetype == "application/xml"
    item = ET.fromstring(rss.data).find("channel/item")
    content = item.find("media:content", NS)
    assert content.get("type") == "video/mp4" and content.get("medium") == "video" and content.get("duration") == "3"
    assert content.find("media:thumbnail", NS).get("url").startswith("http://localhost/media/")
    subtitle = content.find("media:subTitle", NS)
    assert subtitle.get("type") == "text/vtt" and subtitle.get("lang") == "en" and subtitle.get("href").endswith(".vtt")


def test_drafts_stay_out_of_feeds_and_embeds(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    client.post("/api/stories", headers=bearer(tokens["editor"]), json={"headline": "Secret draft", "video_id": video["id"]})
    assert b"Secret draft" not in client.get("/sitemap.xml").data + client.get("/feeds/video.xml").data
    assert client.get(f"/embed/{video['id']}").status_code == 404


def test_only_the_embed_may_be_framed(client, published):
    embed = client.get(f"/embed/{published['video']['id']}")
    assert embed.status_code == 200 and "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    html = embed.get_data(as_text=True)
    assert "<video" in html and 'class="embed-title"' in html and published["story"]["url"] in html
    article = client.get(published["story"]["url"])
    assert "frame-ancestors 'none'" in article.headers["Content-Security-Policy"]
    assert article.headers["X-Frame-Options"] == "DENY"


def test_pages_carry_validators_and_answer_304(client, published):
    first = client.get(published["story"]["url"])
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"] and "max-age=60" in first.headers["Cache-Control"]
    again = client.get(published["story"]["url"], headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    since = client.get(published["story"]["url"], headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    media = client.get(published["video"]["mp4_url"])
    assert client.get(published["video"]["mp4_url"], headers={"If-None-Match": media.headers["ETag"]}).status_code == 304


def test_an_edit_in_one_process_reaches_the_page_cache_of_another(app, client, tokens, published):
    """Two app instances on one data folder stand for two gunicorn workers (or a web process and a
    worker): the page the second one has cached is rendered again as soon as the first one edits."""
    other = make_app(app.settings.data_dir, queue_immediate=True).test_client()
    url = published["story"]["url"]
    assert "Bridge reopens after repairs" in other.get(url).get_data(as_text=True)
    assert "Bridge reopens after repairs" in other.get("/").get_data(as_text=True)
    client.patch(f"/api/stories/{published['story']['id']}", headers=bearer(tokens["editor"]),
                 json={"headline": "Bridge reopens, traffic slow"})
    assert "Bridge reopens, traffic slow" in other.get(url).get_data(as_text=True)
    assert "Bridge reopens, traffic slow" in other.get("/").get_data(as_text=True)


def test_section_front_and_home_list_posters_and_durations(client, published):
    for path in ("/", "/sections/local-news"):
        html = client.get(path).get_data(as_text=True)
        assert "Bridge reopens after repairs" in html and 'class="duration-badge"' in html and "0:03" in html
        assert 'type="image/webp"' in html and "srcset=" in html and "data-preview=" in html
    assert client.get("/sections/nothing-here").status_code == 404


def test_beacons_count_without_cookies_and_show_in_the_studio(client, tokens, published):
    video_id = published["video"]["id"]
    article = {"video": video_id, "surface": "article"}
    for report in ({**article, "view": True, "startup_ms": 300, "seen": list(range(40))},
                   {**article, "view": True, "startup_ms": 500, "seen": list(range(100))}):
        response = client.post("/beacon", data=json.dumps(report), content_type="text/plain")
        assert response.status_code == 204 and "Set-Cookie" not in response.headers
    bogus = client.post("/beacon", data=json.dumps({"video": video_id, "event": "play"}))
    assert bogus.status_code == 400 and bogus.json["error"]["code"] == "invalid_beacon"
    assert client.post("/beacon", data="not json").status_code == 400
    token = csrf_from(client.get("/studio/login").get_data(as_text=True))
    client.post("/studio/login", data={"token": tokens["editor"], "csrf_token": token})
    html = client.get("/studio/").get_data(as_text=True)
    row = html[html.index(f'data-video-url="/api/videos/{video_id}"'):]
    assert re.search(r'class="plays">2<', row) and re.search(r'class="completes">1<', row)


@pytest.mark.parametrize("path", ["/", "/studio/login", "/stories/missing", "/sections/none", "/studio/"])
def test_every_page_has_the_security_headers(client, path):
    response = client.get(path)
    assert response.mimetype == "text/html" or response.status_code == 302
    policy = response.headers.get("Content-Security-Policy", "")
    if response.mimetype == "text/html":
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
