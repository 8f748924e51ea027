"""DATABASE_URL=postgresql://...: migrations, the API, pages and analytics on a real PostgreSQL
server started by the test on loopback (installed by `make test`)."""
import json

import pytest

from .helpers import bearer, change_settings, csrf_from, ready_video

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_app):
    """Every test here runs on a fresh PostgreSQL database."""
    return pg_app


def test_the_whole_flow_on_postgresql(app, client, tokens, clips):
    from videodesk.core import db, migrate
    migrate.upgrade(app.settings.database_url)  # idempotent
    with app.app_context():
        assert db.session().get_bind().dialect.name == "postgresql"
    video = ready_video(client, tokens, clips)
    assert video["metadata"]["has_audio"] and video["captions"][0]["lang"] == "en"
    story = client.post("/api/stories", headers=bearer(tokens["editor"]), json={
        "headline": "On PostgreSQL", "video_id": video["id"], "status": "published"}).json
    assert "Watch video below:" in client.get(story["url"]).get_data(as_text=True)
    for _ in range(2):
        client.post("/beacon", data=json.dumps({"video": video["id"], "surface": "article", "view": True}))
    assert client.get(video["url"], headers=bearer(tokens["editor"])).json["watch"] == {"play": 2, "error": 0}


@pytest.mark.parametrize("path", ["/api/videos/a%00b", "/embed/a%00b", "/stories/a%00b", "/studio/videos/a%00b",
                                  "/api/videos/a%00b/captions"])
def test_nul_in_a_path_is_a_404_not_a_database_error(client, tokens, path):
    assert client.get(path, headers=bearer(tokens["admin"])).status_code == 404


def test_nul_in_a_query_or_body_is_a_400_not_a_database_error(client, tokens):
    editor = bearer(tokens["editor"])
    assert client.get("/oembed?url=http://localhost/stories/a%00b").status_code == 400
    assert client.post("/api/stories", headers=editor, json={"headline": "x", "video_id": "a\x00b"}).status_code == 400
    assert client.post("/beacon", data=json.dumps({"video": "a\x00b", "surface": "article"})).status_code == 400
    login = csrf_from(client.get("/studio/login").get_data(as_text=True))
    assert client.post("/studio/login", data={"name": "a\x00b", "password": "x" * 12, "csrf_token": login}).status_code < 500


def test_webhook_outbox_claims_and_attempts_on_postgresql(app, client, tokens):
    """The delivery claim (an UPDATE ... WHERE due) and the attempt log on PostgreSQL's timestamps."""
    change_settings(app, import_allow_private=True)
    hook = client.post("/api/webhooks", headers=bearer(tokens["admin"]),
                       json={"url": "http://127.0.0.1:9/hook", "events": ["story.published", "story.unpublished"]}).json
    change_settings(app, import_allow_private=False)
    story = client.post("/api/stories", headers=bearer(tokens["editor"]), json={"headline": "Hooked", "status": "published"}).json
    client.patch(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"]), json={"status": "draft"})
    deliveries = client.get(f"/api/webhooks/{hook['id']}/deliveries", headers=bearer(tokens["admin"])).json["deliveries"]
    assert [d["event"] for d in deliveries] == ["story.unpublished", "story.published"]
    assert all(d["status"] == "pending" and len(d["attempts"]) == 1 and "not a public address" in d["attempts"][0]["error"]
               for d in deliveries)


def test_sign_in_throttle_and_sessions_on_postgresql(client, tokens):
    """The attempt counter is a dialect-specific upsert; sessions are rows: both must work here too."""
    login = csrf_from(client.get("/studio/login").get_data(as_text=True))
    assert client.post("/studio/login", data={"token": tokens["editor"], "csrf_token": login}).status_code == 302
    page = client.get("/studio/")
    assert page.status_code == 200
    client.post("/studio/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert client.get("/studio/").status_code == 302
    login = csrf_from(client.get("/studio/login").get_data(as_text=True))
    statuses = [client.post("/studio/login", data={"name": "editor", "password": "wrong password",
                                                  "csrf_token": login}).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]  # the successful sign-in above gave its address attempt back


def test_running_transcriptions_are_found_by_their_json_status_on_postgresql(app):
    """The recovery sweep selects running transcriptions inside the captioning JSON column."""
    from datetime import timedelta

    from videodesk.core import db
    from videodesk.core.lifecycle import captioning
    from videodesk.core.lifecycle.states import Captioning, CaptioningStatus, PipelineState, VideoStatus
    from videodesk.core.models import Video, utcnow
    with app.app_context():
        session = db.session()
        an_hour_ago = (utcnow() - timedelta(hours=1)).timestamp()
        dead, done = (Video(title=status, status=VideoStatus.READY, pipeline_state=PipelineState(info={"duration": 9.0}),
                            captioning=Captioning(status=status, renewed_at=an_hour_ago))
                      for status in (CaptioningStatus.RUNNING, CaptioningStatus.DONE))
        session.add_all([dead, done])
        session.commit()
        assert captioning.requeue_stalled(session, utcnow() - timedelta(minutes=5)) == [dead.id]
        session.rollback()
