"""The thin studio: token sign-in with CSRF, then a list of the user's videos."""
import re

from sqlalchemy import text

from videodesk import db


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_studio_requires_sign_in(client):
    response = client.get("/studio/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/studio/login")


def test_sign_in_needs_the_csrf_token(client, tokens):
    response = client.post("/studio/login", data={"token": tokens["editor"]})
    assert response.status_code == 400


def test_sign_in_with_a_token_then_sign_out(client, tokens):
    token = csrf_from(client.get("/studio/login").get_data(as_text=True))
    bad = client.post("/studio/login", data={"token": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "not valid" in bad.get_data(as_text=True)
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


def sign_in(client, token) -> str:
    """Sign in with an API token; return the new session's CSRF token."""
    login = csrf_from(client.get("/studio/login").get_data(as_text=True))
    assert client.post("/studio/login", data={"token": token, "csrf_token": login}).status_code == 302
    return csrf_from(client.get("/studio/").get_data(as_text=True))


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
    assert good.status_code == 302 and good.headers["Location"].endswith("/studio/")
    assert "Draft from the form — draft" in client.get("/studio/").get_data(as_text=True)
