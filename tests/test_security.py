"""Findings of the security review (docs/SECURITY.md), in-process: body limits, revocable studio
sessions, duplicates across owners, upload quota, import counting, BASE_URL, file modes, the
caption audit. The real-server halves (a 50 MB beacon, parallel sign-ins) are in test_security_servers.py."""
import os
import re
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from videodesk.core import db
from videodesk.core.models import AuditEvent, User
from videodesk.core.settings import Settings, prepare_data_folder

from .helpers import TUS, bearer, change_settings, csrf_from, make_app, sign_in, tus_create, tus_patch, upload


class Endless:
    """A request body that never ends and counts what the server reads of it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else min(size, 64 * 1024)
        self.read_bytes += size
        return b"0" * size

    def readline(self, size=-1):
        return self.read(size)


@pytest.fixture
def queued_app(tmp_path):
    """An app whose jobs stay queued (no ffmpeg): enough for rules that look at rows and files."""
    return make_app(tmp_path / "data", max_upload_mb=5, upload_quota_mb=8, import_allow_private=True,
                    import_rate_per_hour=2)


@pytest.fixture
def people(queued_app) -> dict:
    from videodesk.auth.tokens import issue_token
    result = {}
    with queued_app.app_context():
        for name, role in (("pat", "producer"), ("bea", "producer"), ("cy", "producer"), ("eddie", "editor"), ("ada", "admin")):
            user = User(name=name, role=role)
            db.session().add(user)
            result[name] = issue_token(user)
        db.session().commit()
    return result


# 1. Bodies ---------------------------------------------------------------------------------------

OVERSIZE = [  # method and path, content type, needs the editor's token, body limit
    ("POST /beacon", "application/json", False, 4 * 1024),
    ("POST /studio/login", "application/x-www-form-urlencoded", False, 16 * 1024),
    ("POST /studio/login", "multipart/form-data; boundary=x", False, 16 * 1024),
    ("POST /api/stories", "application/json", True, 1024 * 1024),
    ("POST /api/videos", "application/json", True, 256 * 1024),
    ("POST /api/videos/v1/captions", "multipart/form-data; boundary=x", True, 4 * 1024 * 1024),
    ("PUT /api/videos/v1/captions/en", "text/vtt", True, 4 * 1024 * 1024),
]


@pytest.mark.parametrize(("route", "content_type", "signed", "limit"), OVERSIZE)
def test_a_declared_oversize_body_is_413_before_a_byte_is_read(queued_app, people, route, content_type, signed, limit):
    body = Endless()
    headers = bearer(people["eddie"]) if signed else {}
    method, path = route.split()
    response = queued_app.test_client().open(path, method=method, content_type=content_type, headers=headers,
                                             environ_overrides={
            "wsgi.input": body, "CONTENT_LENGTH": str(limit + 1)})
    assert response.status_code == 413
    assert "KB limit" in response.get_data(as_text=True) or "MB limit" in response.get_data(as_text=True)
    assert str(limit // 1024 if limit < 1024 * 1024 else limit // (1024 * 1024)) in response.get_data(as_text=True)
    assert body.read_bytes == 0
    if not path.startswith("/studio"):  # the studio answers people with a page
        assert response.json["error"]["code"] == "too_large"


@pytest.mark.parametrize(("route", "content_type", "signed", "limit"), OVERSIZE[:4])
def test_a_chunked_body_is_read_no_further_than_the_limit(queued_app, people, route, content_type, signed, limit):
    body = Endless()
    headers = {**(bearer(people["eddie"]) if signed else {}), "Transfer-Encoding": "chunked"}
    response = queued_app.test_client().post(route.split()[1], content_type=content_type, headers=headers,
                                             environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True})
    assert response.status_code == 413
    assert body.read_bytes <= limit + 64 * 1024


def test_only_upload_routes_take_upload_sized_bodies(queued_app, people, clips):
    client = queued_app.test_client()
    two_mb = b"0" * (2 * 1024 * 1024)
    json_body = client.post("/api/videos", data=two_mb, content_type="application/json", headers=bearer(people["pat"]))
    assert json_body.status_code == 413 and "256 KB" in json_body.json["error"]["message"]
    assert upload(client, people["pat"], clips["clip"]).status_code == 202  # multipart video: the upload limit
    location = tus_create(client, people["pat"], len(two_mb))
    assert tus_patch(client, people["pat"], location, 0, two_mb).status_code == 204


# 2. Sessions -------------------------------------------------------------------------------------

def _signed_in(app, token):
    client = app.test_client()
    return client, sign_in(client, token)


def _admin_does(app, people, **form):
    client, csrf = _signed_in(app, people["ada"])
    response = client.post("/studio/users", data={"csrf_token": csrf, "role": "", **form})
    assert response.status_code == 200, response.get_data(as_text=True)


def _is_signed_in(client) -> bool:
    response = client.get("/studio/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_copied_cookie_is_dead_after_logout(queued_app, people):
    client, csrf = _signed_in(queued_app, people["pat"])
    copy = queued_app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert _is_signed_in(copy)
    client.post("/studio/logout", data={"csrf_token": csrf})
    response = copy.get("/studio/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/studio/login")


def test_the_cookie_holds_only_the_session_secret(queued_app, people):
    client, _ = _signed_in(queued_app, people["pat"])
    session = queued_app.session_interface.get_signing_serializer(queued_app).loads(client.get_cookie("session").value)
    assert list(session) == ["sid"]
    with queued_app.app_context():
        from videodesk.core.models import StudioSession
        assert db.session().scalars(select(StudioSession.id)).all() != [session["sid"]]  # only its hash is stored


def test_revoking_the_token_ends_the_session_it_started(queued_app, people):
    by_token, _ = _signed_in(queued_app, people["pat"])
    _admin_does(queued_app, people, name="pat", action="revoke")
    assert not _is_signed_in(by_token)
    assert queued_app.test_client().get("/api/videos/x", headers=bearer(people["pat"])).status_code == 401


@pytest.mark.parametrize("change", [{"action": "role", "role": "editor"}, {"action": "", "password": "a new passphrase"},
                                    {"action": "disable"}])
def test_password_role_and_disable_end_every_session(queued_app, people, change):
    first, _ = _signed_in(queued_app, people["pat"])
    second, _ = _signed_in(queued_app, people["pat"])
    _admin_does(queued_app, people, name="pat", **{"role": "", **change})
    assert not _is_signed_in(first) and not _is_signed_in(second)
    assert _is_signed_in(_signed_in(queued_app, people["eddie"])[0])  # others are untouched


def test_a_disabled_user_cannot_sign_in_or_use_tokens_until_enabled(queued_app, people):
    _admin_does(queued_app, people, name="pat", password="pat's passphrase")
    _admin_does(queued_app, people, name="pat", action="disable")
    client = queued_app.test_client()
    assert client.get("/api/videos/x", headers=bearer(people["pat"])).status_code == 401
    csrf = csrf_from(client.get("/studio/login").get_data(as_text=True))
    assert client.post("/studio/login", data={"token": people["pat"], "csrf_token": csrf}).status_code == 401
    refused = client.post("/studio/login", data={"name": "pat", "password": "pat's passphrase", "csrf_token": csrf})
    assert refused.status_code == 401
    admin, _ = _signed_in(queued_app, people["ada"])
    assert re.search(r"<td>pat</td>.*?<td class=\"status\">disabled</td>", admin.get("/studio/users").get_data(as_text=True))
    _admin_does(queued_app, people, name="pat", action="enable")
    assert client.get("/api/videos/x", headers=bearer(people["pat"])).status_code == 404


def test_set_password_on_the_command_line_ends_sessions(queued_app, people):
    client, _ = _signed_in(queued_app, people["pat"])
    result = queued_app.test_cli_runner().invoke(args=["set-password", "--name", "pat", "--password", "0123456789ab"])
    assert result.exit_code == 0, result.output
    assert not _is_signed_in(client)


# 3. Duplicates -----------------------------------------------------------------------------------

def test_duplicates_of_other_producers_stay_hidden(queued_app, people, clips):
    client = queued_app.test_client()
    first = upload(client, people["pat"], clips["clip"]).json
    stranger = upload(client, people["cy"], clips["clip"]).json
    assert stranger["duplicate_of"] is None and stranger["id"] != first["id"]
    assert upload(client, people["eddie"], clips["clip"]).json["duplicate_of"] == first["id"]

    data = clips["clip"].read_bytes()
    for name, reused in (("bea", False), ("eddie", True)):
        location = tus_create(client, people[name], len(data))
        assert tus_patch(client, people[name], location, 0, data).status_code == 204
        made = client.post("/api/videos", json={"upload_id": location.rsplit("/", 1)[1]}, headers=bearer(people[name]))
        if reused:  # the editor sees the producer's video and gets it back
            assert made.status_code == 200 and made.json["duplicate"] is True and made.json["id"] == first["id"]
        else:  # the other producer gets a video of her own, made from her upload
            assert made.status_code == 202 and made.json.get("duplicate") is None and made.json["duplicate_of"] is None
            with queued_app.app_context():
                from videodesk.core import storage
                assert storage.source_path(made.json["id"]).read_bytes() == data


# 5. Hardening ------------------------------------------------------------------------------------

def test_unfinished_uploads_are_held_to_a_quota_per_user(queued_app, people):
    client = queued_app.test_client()
    tus_create(client, people["pat"], 5 * 1024 * 1024)
    over = client.post("/api/uploads/", headers={**TUS, **bearer(people["pat"]), "Upload-Length": str(4 * 1024 * 1024)})
    assert over.status_code == 413 and over.json["error"]["code"] == "quota_exceeded"
    tus_create(client, people["pat"], 3 * 1024 * 1024)  # what is left of the 8 MB
    tus_create(client, people["bea"], 5 * 1024 * 1024)  # each user has a quota of her own


def test_deleting_imports_does_not_reset_the_import_limit(queued_app, people):
    client, headers = queued_app.test_client(), bearer(people["pat"])
    url = "http://127.0.0.1:9/clip.mp4"
    first = client.post("/api/videos", json={"source_url": url}, headers=headers)
    assert first.status_code == 202
    assert client.delete(f"/api/videos/{first.json['id']}", headers=headers).status_code == 204
    assert client.post("/api/videos", json={"source_url": url}, headers=headers).status_code == 202
    limited = client.post("/api/videos", json={"source_url": url}, headers=headers)
    assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"


def test_base_url_beats_a_forged_host_header(ready):
    change_settings(ready.app, base_url="https://news.example.com/")
    client, token, video = ready.client, ready.tokens["editor"], ready.video
    story = client.post("/api/stories", headers=bearer(token), json={
        "headline": "Harbour", "video_id": video["id"], "status": "published"}).json
    forged = {"Host": "evil.example"}
    for path in (story["url"], f"/embed/{video['id']}", "/sitemap.xml", "/sitemap-video.xml", "/feeds/video.xml",
                 f"/oembed?url=https://news.example.com{story['url']}"):
        response = client.get(path, headers=forged)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, (path, text)
        assert "evil.example" not in text and "https://news.example.com/" in text, path
    page = client.get(story["url"], headers=forged).get_data(as_text=True)
    assert f'<link rel="canonical" href="https://news.example.com{story["url"]}">' in page
    assert client.get("/oembed?url=http://evil.example" + story["url"], headers=forged).status_code == 404


def test_the_data_folder_and_secret_key_are_private_from_the_start(tmp_path):
    folder = tmp_path / "fresh" / "data"
    unprepared = Settings.from_env({}, data_dir=folder)
    assert not folder.exists() and unprepared.secret_key is None  # reading settings creates nothing
    os.umask(old := os.umask(0o022))
    try:
        settings = prepare_data_folder(unprepared)
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    key = folder / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and settings.secret_key == key.read_text()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".secret_key")] == []
    assert prepare_data_folder(unprepared).secret_key == settings.secret_key


def test_settings_come_typed_from_the_environment():
    settings = Settings.from_env({"VIDEODESK_DATA": "/srv/news", "VIDEODESK_MAX_UPLOAD_MB": "10",
                                  "VIDEODESK_IMPORT_ALLOW_PRIVATE": "yes", "VIDEODESK_CAPTION_TRANSLATE_TO": "",
                                  "VIDEODESK_BASE_URL": "https://news.example.com/", "VIDEODESK_JOB_LEASE_S": ""})
    assert settings.data_dir == Path("/srv/news") and settings.database_url == "sqlite:////srv/news/videodesk.db"
    assert settings.max_upload_mb == 10 and settings.upload_quota_mb == 40 and settings.import_allow_private is True
    assert settings.caption_translate_to is None and settings.base_url == "https://news.example.com"
    assert settings.job_lease_s == 120.0  # empty is unset
    with pytest.raises(ValueError, match="VIDEODESK_MAX_UPLOAD_MB"):
        Settings.from_env({"VIDEODESK_MAX_UPLOAD_MB": "lots"})
    with pytest.raises(ValueError, match="VIDEODESK_BASE_URL"):
        Settings.from_env({"VIDEODESK_BASE_URL": "https://news.example.com/path"})


def test_caption_changes_on_a_published_video_are_audited(queued_app, people, clips):
    client = queued_app.test_client()
    video = upload(client, people["pat"], clips["clip"]).json
    draft_only = upload(client, people["pat"], clips["clip"]).json
    client.post("/api/stories", headers=bearer(people["eddie"]), json={
        "headline": "Live story", "video_id": video["id"], "status": "published"})
    client.post("/api/stories", headers=bearer(people["eddie"]), json={"headline": "Draft", "video_id": draft_only["id"]})
    vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nChanged words\n"
    for target in (video, draft_only):
        response = client.put(f"/api/videos/{target['id']}/captions/en", data=vtt, content_type="text/vtt",
                              headers=bearer(people["pat"]))
        assert response.status_code in (200, 201), response.json
    with queued_app.app_context():
        events = db.session().scalars(select(AuditEvent).where(AuditEvent.action == "video_change")).all()
        assert [(e.user_name, e.target, e.detail) for e in events] == [
            ("pat", f"video:{video['id']}", {"change": "edit_captions", "lang": "en", "stories": ["live-story"]})]
