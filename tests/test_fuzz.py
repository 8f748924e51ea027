"""Property test of the API's input validation: whatever JSON, form or header values arrive, the
answer is never a 500 and every error is the contract's JSON error shape."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import bearer, ready_video, sign_in


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request, app):
    """Each property test runs on SQLite and on PostgreSQL, which refuses what SQLite stores (NUL, overflows)."""
    return request.getfixturevalue("pg_app") if request.param == "postgresql" else app


@pytest.fixture
def video_id(client, tokens, clips):
    """One real, ready video, so validation behind the 404 for unknown ids is reached too."""
    return ready_video(client, tokens, clips)["id"]


@pytest.fixture
def story_id(client, tokens, video_id):
    """A story to PATCH, so its validation is reached rather than the 404 of an unknown id."""
    return client.post("/api/stories", json={"headline": "Fuzzed", "video_id": video_id},
                       headers=bearer(tokens["editor"])).json["id"]

# Values that once slipped past validation: unhashable choices, integers beyond a database column, dates
# whose UTC conversion overflows, NUL and lone surrogates (JSON escapes), a WebVTT arrow in cue text.
TRICKY = st.sampled_from(["\ud800", "a\x00b", "one --> two", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00",
                          2 ** 70, -(2 ** 70), "1:1", "published", "http://[::1/x"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50) | TRICKY,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=10,
)
FIELDS = st.sampled_from(["headline", "body", "dek", "byline", "section", "language", "status", "video_id",
                          "source_url", "upload_id", "title", "time", "aspect", "lang", "cues", "allow_duplicate",
                          "video_position", "published_at", "start", "end", "text"])
CUE = st.fixed_dictionaries({"start": st.floats(0, 5) | TRICKY, "end": st.floats(0, 10) | TRICKY,
                             "text": st.text(max_size=30) | TRICKY})
OBJECTS = st.dictionaries(FIELDS, JSON_VALUES | st.lists(CUE, min_size=1, max_size=3), max_size=6)
BODIES = OBJECTS.map(json.dumps) | JSON_VALUES.map(json.dumps) | st.binary(max_size=200).map(
    lambda b: b.decode("latin-1"))
ROUTES = st.sampled_from([
    ("POST", "/api/videos"), ("POST", "/api/stories"), ("PATCH", "/api/stories/{s}"), ("POST", "/api/videos/{v}/poster"),
    ("POST", "/api/videos/{v}/social-cut"), ("PUT", "/api/videos/{v}/captions/en"),
    ("PUT", "/api/videos/{v}/captions/{text}"), ("POST", "/api/videos/{v}/captions"), ("POST", "/beacon"),
    ("POST", "/api/videos/{v}/captions/auto"), ("GET", "/api/videos/{v}/captions?cues={text}"),
    ("GET", "/oembed?url={text}&maxwidth={text}&format={text}"), ("GET", "/api/videos/{text}"),
    ("HEAD", "/api/uploads/{text}"), ("POST", "/api/uploads/"), ("PATCH", "/api/uploads/{text}"),
])
CONTENT_TYPES = st.sampled_from(["application/json", "text/plain", "multipart/form-data; boundary=x",
                                 "application/x-www-form-urlencoded", "application/offset+octet-stream", ""])

# Derandomized so a CI run is reproducible; raise max_examples locally to explore further.
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(response, path="", method="POST"):
    # oEmbed 1.0 itself prescribes 501 for an unsupported format.
    allowed = response.status_code == 501 and path.startswith("/oembed")
    assert response.status_code < 500 or allowed, (response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400 and response.mimetype == "application/json" and method != "HEAD":
        error = response.get_json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]


@SETTINGS
@given(route=ROUTES, body=BODIES, content_type=CONTENT_TYPES,
       text=st.text(max_size=30) | st.sampled_from(["\u00b2", "\u0663", "99999999999999999999", "http://[::1"]),
       # Header values arrive as Latin-1, where '²' and '³' pass str.isdigit() but not int().
       header=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_categories=("Cc",)),
                      max_size=20) | st.sampled_from(["\xb2", "1\xb3", "-1", "00", "18446744073709551616"]))
def test_no_input_makes_the_api_fail(client, tokens, video_id, story_id, route, body, content_type, text, header):
    from urllib.parse import quote
    method, path = route
    path = path.format(v=video_id, s=story_id, text=quote(text, safe=""))
    headers = {**bearer(tokens["editor"]), "Tus-Resumable": "1.0.0", "Upload-Length": header,
               "Upload-Offset": header, "Upload-Metadata": header}
    if content_type:
        headers["Content-Type"] = content_type
    _check(client.open(path, method=method, data=body.encode("utf-8", "surrogatepass"), headers=headers), path, method)


@SETTINGS
@given(fields=st.dictionaries(st.sampled_from(["title", "captions_lang", "file", "captions", "lang", "label"]),
                              st.text(max_size=40), max_size=4),
       files=st.dictionaries(st.sampled_from(["file", "captions"]), st.binary(max_size=300), max_size=2))
def test_no_multipart_form_makes_uploads_fail(client, tokens, fields, files):
    import io
    data = dict(fields)
    for name, content in files.items():
        data[name] = (io.BytesIO(content), f"{name}.bin")
    _check(client.post("/api/videos", data=data, headers=bearer(tokens["producer"]), content_type="multipart/form-data"))


def test_whole_numbers_are_ascii_digits_only():
    from videodesk.core.text import whole_number
    assert [whole_number(v) for v in ("0", "42", "\u00b2", "\u0663", "-3", "", None, " 1")] == [0, 42] + [None] * 6
    assert whole_number("-90", signed=True) == -90 and whole_number("-\u00b2", signed=True) is None


@pytest.fixture
def admin_csrf(client, tokens):
    """The client signed in to the studio as an admin; the session's CSRF token."""
    return sign_in(client, tokens["admin"])


STUDIO_ROUTES = st.sampled_from([
    ("POST", "/studio/stories/new"), ("POST", "/studio/stories/{s}"), ("GET", "/studio/stories/new?video_id={text}"),
    ("POST", "/studio/preview"), ("POST", "/studio/users"), ("POST", "/studio/videos/{v}/reprocess"),
    ("GET", "/studio/?q={text}&status={text}&source={text}&since={text}"), ("GET", "/studio/videos/{text}"),
    ("GET", "/studio/videos/{v}/captions/{text}"), ("POST", "/studio/stories/{s}/revisions/{text}/restore"),
])
FORM_FIELDS = st.sampled_from(["headline", "dek", "body", "byline", "section", "video_id", "publish", "video_position",
                               "action", "publish_at", "name", "role", "password", "next"])
FORM_VALUES = st.text(max_size=40) | st.sampled_from(
    ["a\x00b", "one --> two", "save", "publish", "schedule", "unpublish", "create", "role", "token", "revoke", "admin",
     "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "99999999999999999999", "\u00b2", "//evil.example/"])


# The studio's forms reach the same validation as the API: their examples run once, on PostgreSQL,
# the backend that refuses more.
@pytest.mark.parametrize("app", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
@settings(SETTINGS, max_examples=150)  # each example may add a story that later pages list
@given(route=STUDIO_ROUTES, form=st.dictionaries(FORM_FIELDS, FORM_VALUES, max_size=7),
       text=st.text(max_size=20) | st.sampled_from(["\u00b2", "99999999999999999999", "%", "a\x00b", "2026-13-01"]))
def test_no_studio_form_makes_the_studio_fail(client, admin_csrf, video_id, story_id, route, form, text):
    """Forms arrive signed in as an admin with a valid CSRF token, so validation behind both is reached."""
    from urllib.parse import quote
    method, path = route
    path = path.format(v=video_id, s=story_id, text=quote(text, safe=""))
    response = client.open(path, method=method, data={**form, "csrf_token": admin_csrf})
    assert response.status_code < 500, (path, form, response.get_data(as_text=True)[:300])


def test_language_tags_are_ascii_bcp47():
    from videodesk.core.validation import is_language_tag
    assert [is_language_tag(v) for v in ("en", "pt-BR", "zh-Hant-TW", "spa")] == [True] * 4
    assert not any(is_language_tag(v) for v in ("", "e", "\u65e5\u672c", "en US", "<b>", "en-", "../en", "\u00b2\u00b2", None))
