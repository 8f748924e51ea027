"""The thin studio: token sign-in with CSRF, then a list of the user's videos."""
import re

import pytest
from sqlalchemy import text

from videodesk.core import db

from .helpers import bearer, csrf_from, make_app, sign_in, upload


def test_studio_requires_sign_in(client):
    response = client.get("/studio/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/studio/login")


def test_sign_in_needs_the_csrf_token(client, tokens):
    response = client.post("/studio/login", data={"token": tokens["editor"]})
    assert response.status_code == 400


def test_sign_in_with_a_token_then_sign_out(client, tokens):
    token = csrf_from(client.get("/studio/login").get_data(as_text=True))
    bad = client.post("/studio/login", data={"token": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "Sign-in failed" in bad.get_data(as_text=True)
    good = client.post("/studio/login", data={"token": tokens["editor"], "csrf_token": token})
    assert good.status_code == 302
    page = client.get("/studio/")
    assert page.status_code == 200 and "editor (editor)" in page.get_data(as_text=True)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    client.post("/studio/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert client.get("/studio/").status_code == 302


def test_sqlite_runs_in_wal_mode(app):
    with app.app_context():
        assert db.session().execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_session_writes_to_the_api_need_the_csrf_header(client, tokens, clips):
    token = sign_in(client, tokens["editor"])
    assert client.get("/api/stories/1").status_code == 404  # reads work with the session alone
    body = {"headline": "From the studio"}
    assert client.post("/api/stories", json=body).status_code == 401
    assert client.post("/api/stories", json=body, headers={"X-CSRF-Token": "wrong"}).status_code == 401
    assert client.post("/api/stories", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_story_form_needs_an_editor_and_creates_a_draft(client, tokens):
    token = sign_in(client, tokens["producer"])
    assert client.get("/studio/stories/new").status_code == 403
    client.post("/studio/logout", data={"csrf_token": token})
    token = sign_in(client, tokens["editor"])
    bad = client.post("/studio/stories/new", data={"headline": " ", "csrf_token": token})
    assert bad.status_code == 400 and "headline" in bad.get_data(as_text=True)
    good = client.post("/studio/stories/new", data={"headline": "Draft from the form", "csrf_token": token})
    assert good.status_code == 302 and re.search(r"/studio/stories/\d+$", good.headers["Location"])  # on in the editor
    assert re.search(r">Draft from the form</a> — draft", client.get("/studio/").get_data(as_text=True))


def _set_password(app, name, password):
    from sqlalchemy import select

    from videodesk.auth.passwords import hash_password
    from videodesk.core.models import User
    with app.app_context():
        user = db.session().scalar(select(User).where(User.name == name))
        user.password_hash = hash_password(password)
        db.session().commit()
        return user.password_hash


def _password_login(client, name, password):
    token = csrf_from(client.get("/studio/login").get_data(as_text=True))
    return client.post("/studio/login", data={"name": name, "password": password, "csrf_token": token})


def test_password_sign_in_uses_a_kdf_and_a_fresh_session(app, client, tokens):
    stored = _set_password(app, "editor", "correct horse battery")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    client.get("/studio/login")
    before = client.get_cookie("session").value
    response = _password_login(client, "editor", "correct horse battery")
    assert response.status_code == 302 and client.get_cookie("session").value != before
    assert client.get("/studio/").status_code == 200


def test_failed_sign_ins_lock_out_without_telling_which_names_exist(app, client, tokens):
    _set_password(app, "editor", "correct horse battery")
    wrong = _password_login(client, "editor", "nope")
    unknown = _password_login(client, "nobody-here", "nope")
    def alert(response):
        return re.search(r'role="alert">([^<]*)<', response.get_data(as_text=True)).group(1)
    assert wrong.status_code == unknown.status_code == 401
    assert alert(wrong) == alert(unknown) == "Sign-in failed. Check the name and password."
    for _ in range(3):
        _password_login(client, "editor", "nope")
    locked = _password_login(client, "editor", "correct horse battery")  # right password, but paused
    assert locked.status_code == 429 and "paused for 15 minutes" in locked.get_data(as_text=True)
    # The address is paused too, so guessing other names gets the same answer.
    other = _password_login(client, "nobody-here", "nope")
    assert other.status_code == 429
    assert client.get("/studio/").status_code == 302


def test_publish_unpublish_and_role_changes_are_audited(app, client, tokens):
    editor = bearer(tokens["editor"])
    story = client.post("/api/stories", headers=editor, json={"headline": "Audited", "status": "published"}).json
    client.patch(f"/api/stories/{story['id']}", headers=editor, json={"status": "draft"})
    client.patch(f"/api/stories/{story['id']}", headers=editor, json={"dek": "no status change"})
    result = app.test_cli_runner().invoke(args=["create-token", "--role", "admin", "--name", "producer"])
    assert result.exit_code == 0
    sign_in(client, tokens["editor"])
    html = client.get("/studio/audit").get_data(as_text=True)
    rows = re.findall(r"<td>(editor|system)</td><td>(\w+)</td><td>([^<]+)</td>", html)
    assert rows == [("system", "role_change", "user:producer"), ("editor", "unpublish", "story:audited"),
                    ("editor", "publish", "story:audited")]
    assert "old: producer; new: admin" in html
    sign_in(client, tokens["producer"])  # now an admin
    assert client.get("/studio/audit").status_code == 200


def test_library_filters_dashboard_reprocess_and_delete(ready, clips):
    app, client, tokens = ready.app, ready.client, ready.tokens
    video = ready.video
    failed = upload(client, tokens["producer"], clips["text"]).json
    story = client.post("/api/stories", headers=bearer(tokens["editor"]), json={
        "headline": "Uses the clip", "video_id": video["id"], "status": "published"}).json
    token = sign_in(client, tokens["editor"])

    library = client.get("/studio/?status=failed").get_data(as_text=True)
    assert failed["url"] in library and video["url"] not in library
    assert video["url"] in client.get("/studio/?q=flood").get_data(as_text=True)
    assert "No videos match" in client.get("/studio/?source=url").get_data(as_text=True)
    assert "No videos match" in client.get("/studio/?since=2999-01-01").get_data(as_text=True)
    assert "No videos match" in client.get("/studio/?q=%25").get_data(as_text=True)  # '%' is a character, not a wildcard

    dashboard = client.get("/studio/dashboard").get_data(as_text=True)
    assert re.search(r'class="count-failed">1<', dashboard) and "not a video we can read" in dashboard
    assert re.search(r'class="size-media">[\d.]+ (KB|MB)<', dashboard)
    retried = client.post(f"/studio/videos/{failed['id']}/reprocess",
                          data={"csrf_token": token, "next": "https://elsewhere.example/"})
    assert retried.status_code == 302 and retried.headers["Location"].endswith(f"/studio/videos/{failed['id']}")
    assert client.get(failed["url"], headers=bearer(tokens["producer"])).json["status"] == "failed"  # ran again

    confirm = client.get(f"/studio/videos/{video['id']}/delete").get_data(as_text=True)
    assert "Uses the clip" in confirm
    refused = client.post(f"/studio/videos/{video['id']}/delete", data={})  # no CSRF token: not signed in
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/studio/login")
    assert client.get(video["url"], headers=bearer(tokens["editor"])).status_code == 200
    assert client.post(f"/studio/videos/{video['id']}/delete", data={"csrf_token": token}).status_code == 302
    assert client.get(video["url"], headers=bearer(tokens["editor"])).status_code == 404
    assert not (app.settings.data_dir / "media" / video["id"]).exists()
    assert not (app.settings.data_dir / "uploads" / video["id"]).exists()
    assert "Watch video below" not in client.get(story["url"]).get_data(as_text=True)
    assert "delete" in client.get("/studio/audit").get_data(as_text=True)


def test_producers_only_manage_their_own_videos_in_the_studio(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    sign_in(client, tokens["other"])
    assert client.get(f"/studio/videos/{video['id']}").status_code == 404
    assert client.get(f"/studio/videos/{video['id']}/delete").status_code == 404
    assert client.get("/studio/dashboard").status_code == 403
    assert client.get("/studio/audit").status_code == 403
    assert video["url"] not in client.get("/studio/").get_data(as_text=True)


def test_admins_manage_users_roles_and_tokens(client, tokens):
    token = sign_in(client, tokens["editor"])
    assert client.get("/studio/users").status_code == 403
    token = sign_in(client, tokens["admin"])
    created = client.post("/studio/users", data={"csrf_token": token, "action": "create", "name": "newsie",
                                                 "role": "producer", "password": "long enough password"})
    assert created.status_code == 200 and "newsie" in created.get_data(as_text=True)
    assert "Upload limit, MB" in created.get_data(as_text=True) and "secret" not in created.get_data(as_text=True).lower()
    assert _password_login(client, "newsie", "long enough password").status_code == 302
    token = sign_in(client, tokens["admin"])
    promoted = client.post("/studio/users", data={"csrf_token": token, "action": "role", "name": "newsie", "role": "editor"})
    assert promoted.status_code == 200
    issued = client.post("/studio/users", data={"csrf_token": token, "action": "token", "name": "newsie", "role": "editor"})
    new_token = re.search(r'class="new-token">([^<]+)<', issued.get_data(as_text=True)).group(1)
    assert client.get("/api/stories/999", headers=bearer(new_token)).status_code == 404  # a working editor token
    client.post("/studio/users", data={"csrf_token": token, "action": "revoke", "name": "newsie", "role": "editor"})
    assert client.get("/api/stories/999", headers=bearer(new_token)).status_code == 401
    short = client.post("/studio/users", data={"csrf_token": token, "action": "create", "name": "x", "password": "short"})
    assert short.status_code == 400
    audit = client.get("/studio/audit").get_data(as_text=True)
    assert "user_create" in audit and "role_change" in audit and "tokens_revoked" in audit


STUDIO_FORMS = ["/studio/logout", "/studio/stories/new", "/studio/stories/1", "/studio/videos/x/reprocess",
                "/studio/videos/x/delete", "/studio/stories/1/revisions/1/restore", "/studio/users"]


@pytest.mark.parametrize("path", STUDIO_FORMS)
def test_every_studio_form_needs_the_csrf_token(client, tokens, path):
    sign_in(client, tokens["admin"])
    response = client.post(path, data={"name": "x", "headline": "x"})
    # Without the token the session does not count (redirect to sign-in) or the form is refused (400).
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"].endswith("/studio/login")
    assert client.get("/studio/").status_code == 200  # still signed in: nothing else happened


API_ROUTES = [("POST", "/api/videos", "producer"), ("GET", "/api/videos/x", "producer"),
              ("POST", "/api/videos/x/captions", "producer"), ("PUT", "/api/videos/x/captions/en", "producer"),
              ("POST", "/api/videos/x/poster", "producer"), ("POST", "/api/videos/x/social-cut", "producer"),
              ("POST", "/api/videos/x/reprocess", "producer"), ("DELETE", "/api/videos/x", "producer"),
              ("POST", "/api/stories", "editor"), ("GET", "/api/stories/1", "editor"),
              ("PATCH", "/api/stories/1", "editor"), ("POST", "/api/uploads/", "producer")]


@pytest.mark.parametrize("method, path, role", API_ROUTES)
def test_every_api_route_checks_the_role(client, tokens, method, path, role):
    assert client.open(path, method=method).status_code == 401
    if role == "editor":
        assert client.open(path, method=method, headers=bearer(tokens["producer"])).status_code == 403
    allowed = client.open(path, method=method, headers={**bearer(tokens[role]), "Tus-Resumable": "1.0.0"})
    assert allowed.status_code not in (401, 403)


STUDIO_PAGES = [("/studio/", "producer"), ("/studio/upload", "producer"), ("/studio/stories/new", "editor"),
                ("/studio/dashboard", "editor"), ("/studio/audit", "editor"), ("/studio/users", "admin")]


@pytest.mark.parametrize("path, role", STUDIO_PAGES)
def test_every_studio_page_checks_the_role(client, tokens, path, role):
    assert client.get(path).status_code == 302
    lower = {"producer": None, "editor": "producer", "admin": "editor"}[role]
    if lower:
        sign_in(client, tokens[lower])
        assert client.get(path).status_code == 403
    sign_in(client, tokens[role])
    assert client.get(path).status_code == 200


def test_odd_upload_names_never_become_paths(app, client, tokens, clips):
    names = ("../../secret_key.mp4", "..\\..\\evil.mp4", "<script>.mp4", "café ✓.mp4")
    # The first is processed through; the others are only stored (the same installation, jobs left queued).
    queued = make_app(app.settings.data_dir, max_upload_mb=5).test_client()
    for name, asker, status in zip(names, [client, queued, queued, queued], ["ready", "queued", "queued", "queued"]):
        response = asker.post("/api/videos", headers=bearer(tokens["producer"]),
                               data={"file": (open(clips["clip"], "rb"), name)})
        assert response.status_code == 202
        video = asker.get(response.json["url"], headers=bearer(tokens["producer"])).json
        assert video["status"] == status and video["source"]["name"].replace("\\", "") == name.replace("\\", "")
        assert (app.settings.data_dir / "uploads" / video["id"] / "source").exists()
    assert (app.settings.data_dir / "secret_key").read_text() != ""
    assert client.get(f"/media/{video['id']}/../../uploads/{video['id']}/source").status_code == 404
