"""The live-stream API without an encoder: creating, reading, listing, ending, resetting the key,
deleting, stories that name a stream, the webhook events, and the answers against the OpenAPI
document. The ingest itself (a real ffmpeg publishing over RTMP and SRT) is tests/test_live.py."""
import json
from datetime import timedelta

from sqlalchemy import select

from videodesk.core import db
from videodesk.core.errors import Forbidden
from videodesk.core.models import LiveStream, Webhook, WebhookDelivery
from videodesk.core.settings import EXTENSION as SETTINGS
from videodesk.jobs.live.service import IngestService
from videodesk.newsroom import live

from .helpers import bearer, check_against_document, sign_in


def create(client, token, title="Press conference"):
    response = client.post("/api/live", json={"title": title}, headers=bearer(token))
    assert response.status_code == 201, response.json
    return response.json


def test_a_new_stream_is_idle_with_rtmp_and_srt_urls_carrying_its_key(client, tokens):
    stream = create(client, tokens["producer"])
    key = stream["ingest"]["stream_key"]
    assert stream["status"] == "idle" and stream["video_id"] is None and stream["captions"] == []
    assert stream["ingest"]["rtmp_url"] == f"rtmp://127.0.0.1:1935/live/{key}"
    assert stream["ingest"]["srt_url"] == f"srt://127.0.0.1:9000?streamid={key}"
    assert stream["hls_url"] == f"/media/live/{stream['id']}/master.m3u8"
    check_against_document(client, stream, "LiveStream")
    again = client.get(stream["url"], headers=bearer(tokens["producer"])).json
    assert again == stream
    listed = client.get("/api/live", headers=bearer(tokens["producer"])).json["live"]
    assert [item["id"] for item in listed] == [stream["id"]]


def test_a_title_is_required(client, tokens):
    response = client.post("/api/live", json={}, headers=bearer(tokens["producer"]))
    assert response.status_code == 400 and response.json["error"]["code"] == "missing_field"


def test_other_producers_do_not_see_a_stream_but_editors_do(client, tokens):
    stream = create(client, tokens["producer"])
    assert client.get(stream["url"], headers=bearer(tokens["other"])).status_code == 404
    assert client.get("/api/live", headers=bearer(tokens["other"])).json["live"] == []
    assert client.get(stream["url"], headers=bearer(tokens["editor"])).status_code == 200
    assert client.get(stream["url"]).status_code == 401


def test_a_reset_key_is_refused_and_the_new_one_accepted(app, client, tokens):
    stream = create(client, tokens["producer"])
    old = stream["ingest"]["stream_key"]
    reset = client.post(f"{stream['url']}/reset-key", headers=bearer(tokens["producer"])).json
    new = reset["ingest"]["stream_key"]
    assert new != old and reset["ingest"]["rtmp_url"].endswith(new)
    with app.app_context():
        for key in (old, "not-a-key", ""):
            try:
                live.authorize_publish(key)
                raise AssertionError(f"{key!r} was accepted")
            except Forbidden:
                pass
        assert live.authorize_publish(new).id == stream["id"]


def test_one_publisher_per_key_and_none_after_the_end(app, client, tokens):
    stream = create(client, tokens["producer"])
    key = stream["ingest"]["stream_key"]
    with app.app_context():
        live.connected(live.authorize_publish(key))
        row = db.session().get(LiveStream, stream["id"])
        assert row.status == "live" and row.started_at is not None
        try:
            live.authorize_publish(key)
            raise AssertionError("a second publisher was accepted")
        except Forbidden as refused:
            assert "already publishing" in refused.message
    assert client.delete(stream["url"], headers=bearer(tokens["producer"])).json["error"]["code"] == "conflict"
    ended = client.post(f"{stream['url']}/end", headers=bearer(tokens["producer"])).json
    assert ended["status"] == "ended" and ended["ended_at"] and ended["ended_reason"] == "Ended by the producer."
    check_against_document(client, ended, "LiveStream")
    with app.app_context():
        try:
            live.authorize_publish(key)
            raise AssertionError("an ended stream accepted a publisher")
        except Forbidden:
            pass
    assert client.delete(stream["url"], headers=bearer(tokens["producer"])).status_code == 204
    assert client.get(stream["url"], headers=bearer(tokens["producer"])).status_code == 404


def test_a_story_takes_a_live_id(client, tokens):
    stream = create(client, tokens["producer"])
    story = client.post("/api/stories", json={"headline": "Live: the mayor speaks", "body": "Watch.",
                                              "live_id": stream["id"], "status": "published"},
                        headers=bearer(tokens["editor"]))
    assert story.status_code == 201, story.json
    got = client.get(f"/api/stories/{story.json['id']}", headers=bearer(tokens["editor"])).json
    assert got["live_id"] == stream["id"]
    check_against_document(client, got, "Story")
    wrong = client.patch(f"/api/stories/{story.json['id']}", json={"live_id": "nosuchstream"},
                         headers=bearer(tokens["editor"]))
    assert wrong.status_code == 400 and "live_id" in wrong.json["error"]["message"]



def test_the_studio_creates_a_stream_and_shows_its_page(client, tokens):
    csrf = sign_in(client, tokens["producer"])
    created = client.post("/studio/live", data={"title": "Flood briefing", "csrf_token": csrf})
    assert created.status_code == 303
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    stream = client.get("/api/live", headers=bearer(tokens["producer"])).json["live"][0]
    for text in ("Flood briefing", stream["ingest"]["rtmp_url"], stream["ingest"]["srt_url"], "Live soon",
                 "End the stream", "Cut the clip", 'class="copy-button"', "studio-live.js"):
        assert text in page, text
    listing = client.get("/studio/live").get_data(as_text=True)
    assert "Flood briefing" in listing and "idle" in listing


def test_a_live_stream_is_private_until_a_published_story_plays_it(client, tokens):
    stream = create(client, tokens["producer"])
    assert client.get(f"/embed/live/{stream['id']}").status_code == 404
    assert client.get(f"/embed/live/{stream['id']}/status").status_code == 404
    client.post("/api/stories", json={"headline": "Live now", "body": "x", "live_id": stream["id"],
                                      "status": "published"}, headers=bearer(tokens["editor"]))
    embed = client.get(f"/embed/live/{stream['id']}")
    assert embed.status_code == 200 and b"Live soon" in embed.data
    assert client.get(f"/embed/live/{stream['id']}/status").json == {"state": "soon", "recording": False}
    article = client.get("/stories/live-now").get_data(as_text=True)
    assert "Watch live below:" in article and "live.js" in article


def test_a_stream_running_past_the_longest_allowed_length_is_ended(app, client, tokens):
    stream = create(client, tokens["producer"])
    with app.app_context():
        row = db.session().get(LiveStream, stream["id"])
        live.connected(row)
        row.started_at = row.started_at - timedelta(hours=app.extensions[SETTINGS].live_max_h + 1)
        db.session().commit()
        IngestService(app).tick()
    ended = client.get(stream["url"], headers=bearer(tokens["producer"])).json
    assert ended["status"] == "ended" and "longest allowed length" in ended["ended_reason"]


def test_live_started_and_live_ended_reach_the_webhooks_that_asked(app, client, tokens):
    stream = create(client, tokens["producer"])
    with app.app_context():
        db.session().add(Webhook(id="hook0000000000000000", url="https://hooks.example.org/x", secret="s",
                                 events=["live.started", "live.ended", "live.recording_ready"]))
        db.session().commit()
        live.connected(live.authorize_publish(stream["ingest"]["stream_key"]))
    client.post(f"{stream['url']}/end", headers=bearer(tokens["producer"]))
    with app.app_context():
        sent = [json.loads(d.body) for d in db.session().scalars(select(WebhookDelivery).order_by(
            WebhookDelivery.created_at))]
    assert [body["event"] for body in sent] == ["live.started", "live.ended"]
    assert sent[1]["data"]["id"] == stream["id"] and sent[1]["data"]["ended_reason"] == "Ended by the producer."
