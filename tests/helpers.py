"""Helpers shared by the test modules (no test module imports another)."""
import atexit
import base64
import contextlib
import dataclasses
import functools
import http.server
import re
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

import jsonschema
import requests
from alembic import command
from alembic.script import ScriptDirectory

from videodesk.app import create_app
from videodesk.auth.tokens import issue_token
from videodesk.core import db, migrate
from videodesk.core.models import User
from videodesk.core.settings import EXTENSION as SETTINGS_EXTENSION
from videodesk.media import pipeline, probe
from videodesk.media.pipeline import Context, Limits


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def check_against_document(client, answer: dict, schema: str = "Video"):
    """The answer matches the OpenAPI document's (closed) schema, so the document names every field sent."""
    components = client.get("/api/openapi.json").json["components"]
    jsonschema.validate(answer, {"$ref": f"#/components/schemas/{schema}", "components": components})


TUS = {"Tus-Resumable": "1.0.0"}


def tus_create(client, token, size, name="clip.mp4"):
    meta = f"filename {base64.b64encode(name.encode()).decode()},filetype {base64.b64encode(b'video/mp4').decode()}"
    response = client.post("/api/uploads/", headers={**TUS, **bearer(token), "Upload-Length": str(size),
                                                      "Upload-Metadata": meta})
    assert response.status_code == 201, response.data
    return response.headers["Location"]


def tus_patch(client, token, location, offset, chunk):
    return client.patch(location, data=chunk, headers={
        **TUS, **bearer(token), "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})


def upload(client, token, path, **fields):
    data = {"file": (open(path, "rb"), path.name), **fields}
    return client.post("/api/videos", data=data, headers=bearer(token), content_type="multipart/form-data")


def ready_video(client, tokens, clips):
    response = upload(client, tokens["producer"], clips["clip"], captions=(open(clips["srt"], "rb"), "c.srt"),
                      title="Flood defences")
    assert response.status_code == 202, response.json
    video = client.get(response.json["url"], headers=bearer(tokens["producer"])).json
    assert video["status"] == "ready", video
    return video


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, token) -> str:
    """Sign in with an API token; return the new session's CSRF token."""
    login = csrf_from(client.get("/studio/login").get_data(as_text=True))
    assert client.post("/studio/login", data={"token": token, "csrf_token": login}).status_code == 302
    return csrf_from(client.get("/studio/").get_data(as_text=True))


LIMITS = Limits(max_duration=3600, max_dimension=8192, ffmpeg_timeout=120, ffprobe_timeout=20,
                loudness_target={"I": -16.0, "TP": -1.5, "LRA": 11.0})


def process(source, folder, report=lambda f: None, save=lambda s: None, state=None) -> Context:
    ctx = Context(source=source, media_dir=folder / "media", work_dir=folder / "work", limits=LIMITS,
                  state=state if state is not None else {})
    pipeline.run_steps(ctx, report, save)
    return ctx


def web_info(ctx):
    return probe.probe(ctx.media_dir / "video.mp4", timeout=20)


def post_video(site, path, **extra_files):
    files = {"file": (path.name, open(path, "rb")), **{k: (v.name, open(v, "rb")) for k, v in extra_files.items()}}
    return requests.post(site.base + "/api/videos", files=files, headers=site.headers["producer"], timeout=30)


def video_state(site, video_id):
    return requests.get(f"{site.base}/api/videos/{video_id}", headers=site.headers["producer"], timeout=10).json()


def change_settings(app, **changes):
    """Settings are frozen: a test that changes one mid-way installs a changed copy."""
    app.extensions[SETTINGS_EXTENSION] = dataclasses.replace(app.settings, **changes)


def make_app(data_dir: Path, **overrides):
    """An app on `data_dir`; its SQLite database, when it has none yet, starts as a copy of one
    migrated once per test run (PostgreSQL databases come migrated from conftest's template)."""
    database = data_dir / "videodesk.db"
    fresh = "database_url" not in overrides and not database.exists()
    if fresh:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        copy_sqlite(_migrated_sqlite(), database)
    # Beacons are written at once (no background thread) unless a test asks for an interval.
    app = create_app({"data_dir": data_dir, "database_url": f"sqlite:///{database}", "redis_url": None,
                      "analytics_flush_s": 0, **overrides})
    if not fresh:
        migrate.upgrade(app.settings.database_url)
    return app


@functools.cache
def _migrated_sqlite() -> Path:
    """A SQLite database at the migrations' head, made once per test process."""
    folder = Path(tempfile.mkdtemp(prefix="videodesk-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    migrate.upgrade(f"sqlite:///{folder / 'videodesk.db'}")
    return folder / "videodesk.db"


def database_before(tmp_path: Path, revision: str | None = None) -> str:
    """The URL of a SQLite database migrated up to just before `revision` (default: the head), to
    check what that migration does to rows an older release wrote."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = migrate.alembic_config(url)
    scripts = ScriptDirectory.from_config(config)
    command.upgrade(config, scripts.get_revision(revision or scripts.get_current_head()).down_revision)
    return url


def copy_sqlite(source: Path, destination: Path):
    """A consistent copy (SQLite's backup API also takes what is still in the write-ahead log)."""
    with contextlib.closing(sqlite3.connect(source)) as origin, contextlib.closing(sqlite3.connect(destination)) as copy:
        origin.backup(copy)


def role_headers(data_dir: Path, roles=("producer", "editor", "admin")) -> dict:
    """Migrate a fresh data folder and give each role a user and token, in-process (a `flask
    create-token` subprocess per role costs seconds); an Instance on the folder then serves them."""
    tokens = make_tokens(make_app(data_dir), [(role, role) for role in roles])
    return {role: bearer(token) for role, token in tokens.items()}


def make_tokens(app, users=(("producer", "producer"), ("other", "producer"), ("editor", "editor"),
                            ("admin", "admin"))) -> dict:
    """An API token per (name, role); the default adds a second producer to test ownership."""
    result = {}
    with app.app_context():
        session = db.session()
        for name, role in users:
            user = User(name=name, role=role)
            session.add(user)
            result[name] = issue_token(user)
        session.commit()
    return result


class FileServer:
    """A loopback HTTP server serving a dict of path -> (body, content type); logs each request."""

    def __init__(self, host):
        self.files, self.requests = {}, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                if self.path not in server.files:
                    self.send_error(404)
                    return
                body, kind = server.files[self.path]
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_port}"
        # A short poll: shutdown() waits for it, and tests close two servers each.
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def add(self, path, body, kind="application/octet-stream"):
        self.files[path] = (body.encode() if isinstance(body, str) else body, kind)
        return self.url + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
