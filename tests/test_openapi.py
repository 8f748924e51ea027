"""The OpenAPI document: complete and valid, true of a real server (Schemathesis), usable by a generated
client, and readable by people at /api/docs in a real browser."""
import importlib
import json
import os
import re
import subprocess
import sys

import jsonschema
import pytest
import requests
from openapi_spec_validator import validate

from videodesk.core import db
from videodesk.core.models import Video
from videodesk.web import openapi

from .browser import browser
from .helpers import bearer, change_settings
from .servers import BIN, ROOT, Instance, wait_for_video

FUZZ_EXAMPLES = int(os.environ.get("VIDEODESK_FUZZ_EXAMPLES", "6"))
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("openapi"))
    instance.flask("db-upgrade")
    instance.start_web()
    instance.start_worker()
    # An admin reaches every operation, the webhooks too (others would only ever get 403 there).
    instance.token = instance.flask("create-token", "--role", "admin", "--name", "integrator").stdout.split()[-1]
    instance.spec = requests.get(instance.base + "/api/openapi.json", timeout=10).json()
    yield instance
    instance.stop()


def test_the_document_is_valid_and_covers_every_api_route(app):
    with app.test_client() as client:
        spec = client.get("/api/openapi.json").json
    validate(spec)
    operations = {(path, method) for path, item in spec["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path, _ = openapi._path_and_parameters(rule.rule)
            assert any((path, m) in operations for m in openapi._methods(rule)), rule.rule
    assert {"/healthz", "/oembed"} <= set(spec["paths"])
    create = spec["paths"]["/api/videos"]["post"]
    assert set(create["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert create["responses"]["202"]["links"]["get_video"]["operationId"] == "api_get_video"
    assert create["responses"]["400"]["content"]["application/json"]["schema"]["properties"]["error"][
        "properties"]["code"]["enum"][:2] == ["missing_field", "invalid_field"]
    assert create["security"] == [{"bearerAuth": []}, {"sessionCookie": [], "csrfToken": []}]


def test_an_undeclared_api_route_fails_the_document(app):
    app.add_url_rule("/api/undeclared/<int:n>", "undeclared", lambda n: "")
    with app.test_request_context(), pytest.raises(LookupError, match="/api/undeclared/<int:n>"):
        openapi.document()


def test_captioning_always_has_the_keys_its_schema_promises(app, tokens):
    """A job that crashed before it started was saved as only {"status", "error"}; the API fills in the rest."""
    with app.app_context():
        video = Video(title="Crashed", status="ready", captioning={"status": "failed", "error": "stopped"})
        db.session().add(video)
        db.session().commit()
        video_id = video.id
    with app.test_client() as client:
        spec = client.get("/api/openapi.json").json
        answer = client.get(f"/api/videos/{video_id}", headers=bearer(tokens["editor"])).json
    assert answer["captioning"] == {"status": "failed", "progress": 0.0, "error": "stopped", "language": None,
                                   "transcribed_until": 0.0}
    jsonschema.validate(answer, {"$ref": "#/components/schemas/Video", "components": spec["components"]})


def test_webhook_answers_match_the_document(app, tokens):
    """Schemathesis cannot register a receiver (its URLs do not resolve here), so the webhook answers
    it never sees are checked here: registered, listed, a delivery with a failed attempt, redelivered."""
    change_settings(app, import_allow_private=True, webhook_timeout_s=1)
    client, admin = app.test_client(), bearer(tokens["admin"])
    spec = client.get("/api/openapi.json").json

    def check(answer, path, method):
        schema = spec["paths"][path][method]["responses"][str(answer.status_code)]["content"]["application/json"]["schema"]
        jsonschema.validate(answer.json, {**schema, "components": spec["components"]})

    # Port 9 (discard) on loopback: nothing listens, so the attempt fails at once.
    hook = client.post("/api/webhooks", headers=admin, json={"url": "http://127.0.0.1:9/hook", "events": ["story.published"]})
    assert hook.status_code == 201, hook.json
    check(hook, "/api/webhooks", "post")
    check(client.get("/api/webhooks", headers=admin), "/api/webhooks", "get")
    story = client.post("/api/stories", headers=bearer(tokens["editor"]), json={"headline": "Hooked", "status": "published"})
    assert story.status_code == 201, story.json
    deliveries = client.get(f"/api/webhooks/{hook.json['id']}/deliveries", headers=admin)
    check(deliveries, "/api/webhooks/{webhook_id}/deliveries", "get")
    [delivery] = deliveries.json["deliveries"]
    assert delivery["attempts"] and delivery["attempts"][0]["status_code"] is None
    redelivered = client.post(f"/api/webhooks/{hook.json['id']}/deliveries/{delivery['id']}/redeliver", headers=admin)
    assert redelivered.status_code == 202
    check(redelivered, "/api/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", "post")
    assert client.delete(f"/api/webhooks/{hook.json['id']}", headers=admin).status_code == 204


@pytest.mark.server
def test_schemathesis_finds_the_server_true_to_its_document(site, tmp_path):
    """Every operation, with generated valid and invalid input, and the links from created videos and
    stories (get, caption, poster, delete ...); `make fuzz` runs many more examples."""
    result = subprocess.run(
        [str(BIN / "st"), "--config-file", str(ROOT / "tests" / "schemathesis.toml"), "run",
         site.base + "/api/openapi.json", "--checks", CHECKS,
         "--header", f"Authorization: Bearer {site.token}", "--max-examples", str(FUZZ_EXAMPLES),
         "--workers", "1", "--seed", "1", "--request-timeout", "20", "--suppress-health-check", "all"],
        capture_output=True, text=True, timeout=3000, cwd=tmp_path,  # its cache folder goes there
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:] + site.log_text()
    operations = sum(method != "head" for item in site.spec["paths"].values() for method in item)  # HEAD: untested
    assert re.search(rf"Tested: +{operations}\b", result.stdout), result.stdout[-3000:]


@pytest.mark.server
def test_a_generated_client_uploads_a_clip_and_follows_it_to_ready(site, clips, tmp_path):
    spec = requests.get(site.base + "/api/openapi.json", timeout=10).json()
    # openapi-python-client 0.29.1 writes a module that does not import (`Unset` undefined) for an operation
    # with several body media types; this client only needs the multipart one of POST /api/videos.
    bodies = spec["paths"]["/api/videos"]["post"]["requestBody"]["content"]
    spec["paths"]["/api/videos"]["post"]["requestBody"]["content"] = {"multipart/form-data": bodies["multipart/form-data"]}
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    subprocess.run([str(BIN / "openapi-python-client"), "generate", "--path", "openapi.json", "--meta", "none",
                    "--output-path", "videodesk_client"], cwd=tmp_path, check=True, capture_output=True, timeout=120)
    sys.path.insert(0, str(tmp_path))
    try:
        client_package = importlib.import_module("videodesk_client")
        create = importlib.import_module("videodesk_client.api.videos.api_create_video")
        get = importlib.import_module("videodesk_client.api.videos.api_get_video")
        types = importlib.import_module("videodesk_client.types")
        body_module = importlib.import_module("videodesk_client.models.api_create_video_body")
    finally:
        sys.path.remove(str(tmp_path))
    client = client_package.AuthenticatedClient(base_url=site.base, token=site.token)
    with open(clips["clip"], "rb") as clip:
        body = body_module.ApiCreateVideoBody(file=types.File(payload=clip, file_name="clip.mp4"),
                                              title="Generated client")
        accepted = create.sync_detailed(client=client, body=body)
    assert accepted.status_code == 202, accepted.content
    video_id = accepted.parsed.id

    wait_for_video(site.base, {"Authorization": f"Bearer {site.token}"}, video_id, what="the clip")
    video = get.sync(client=client, video_id=video_id)
    assert (video.status, video.title, video.duration) == ("ready", "Generated client", pytest.approx(3, abs=0.2))
    # The ready video's JSON (renditions, posters, metadata) matches the document's schema exactly.
    raw = requests.get(f"{site.base}/api/videos/{video_id}", headers={"Authorization": f"Bearer {site.token}"},
                       timeout=10).json()
    jsonschema.validate(raw, {"$ref": "#/components/schemas/Video", "components": site.spec["components"]})


@pytest.mark.browser
@pytest.mark.server
def test_the_docs_page_renders_the_operations_under_its_csp(site):
    with browser() as chromium:
        page = chromium.new_page()
        refused = []
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)
        response = page.goto(site.base + "/api/docs")
        assert "script-src 'self';" in response.headers["content-security-policy"]
        page.get_by_role("heading", name="Add a video: upload a file, import a URL or finish a resumable upload"
                         ).wait_for(timeout=30_000)
        headings = page.get_by_role("heading", level=2).all_inner_texts()
        operations = [op["summary"] for item in site.spec["paths"].values() for op in item.values()]
        assert set(operations) <= set(headings)
        # Only Redoc's "powered by" logo from its CDN is refused: the page loads nothing from elsewhere.
        assert [text for text in refused if "cdn.redoc.ly" not in text] == []


def test_each_error_code_is_declared_once_with_its_status():
    """The error classes are the table: the web layer's and the document's statuses come from them,
    and a code no class declares is refused where it is raised."""
    from videodesk.core import errors as domain
    from videodesk.web.errors import ERROR_STATUS, HTTP_CODES
    assert domain.Conflict("Busy.", code="busy").status == 409 and domain.Invalid("Bad.").code == "invalid_field"
    with pytest.raises(ValueError, match="does not declare"):
        domain.Invalid("Bad.", code="made_up")
    for kind in domain.kinds():
        assert all(ERROR_STATUS[code] == kind.status for code in kind.codes), kind
    assert HTTP_CODES[400] == "bad_request" and HTTP_CODES[404] == "not_found" and HTTP_CODES[413] == "too_large"
