"""DATABASE_URL=postgresql://...: migrations, the API, pages and analytics on a real PostgreSQL
server started by the test on loopback (installed by `make test`)."""
import glob
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from .conftest import bearer, make_app
from .servers import free_port
from .test_api import ready_video


def _as_postgres(args):
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres_server():
    """(createdb command, server URL without a database) of a server for this module."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        pytest.fail("PostgreSQL is missing; `make test` installs it")
    bindir = binaries[-1]
    # Not under pytest's root-only temp folder: the server runs as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="videodesk-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust"]),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w", "start",
                                 "-o", f"-h 127.0.0.1 -p {port} -k {folder}"]), check=True, capture_output=True)
    try:
        yield [f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"], \
            f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app(tmp_path, postgres_server):
    """The conftest's app on a fresh PostgreSQL database, so the fixtures and tests built on it
    (client, tokens, the fuzz tests imported below) run unchanged against PostgreSQL."""
    createdb, server = postgres_server
    name = "videodesk_" + "".join(c for c in tmp_path.name.lower() if c.isalnum())
    subprocess.run([*createdb, name], check=True, capture_output=True)
    return make_app(tmp_path / "data", DATABASE_URL=f"{server}/{name}", QUEUE_IMMEDIATE=True, MAX_UPLOAD_MB=5)


def test_the_whole_flow_on_postgresql(app, client, tokens, clips):
    from videodesk import db, migrate
    migrate.upgrade(app.config["DATABASE_URL"])  # idempotent
    with app.app_context():
        assert db.session().get_bind().dialect.name == "postgresql"
    video = ready_video(client, tokens, clips)
    assert video["metadata"]["has_audio"] and video["captions"][0]["lang"] == "en"
    story = client.post("/api/stories", headers=bearer(tokens["editor"]), json={
        "headline": "On PostgreSQL", "video_id": video["id"], "status": "published"}).json
    assert "Watch video below:" in client.get(story["url"]).get_data(as_text=True)
    for _ in range(2):
        client.post("/beacon", data=json.dumps({"video": video["id"], "event": "play"}))
    assert client.get(video["url"], headers=bearer(tokens["editor"])).json["watch"] == {"play": 2}


@pytest.mark.parametrize("path", ["/api/videos/a%00b", "/embed/a%00b", "/stories/a%00b", "/studio/videos/a%00b",
                                  "/api/videos/a%00b/captions"])
def test_nul_in_a_path_is_a_404_not_a_database_error(client, tokens, path):
    assert client.get(path, headers=bearer(tokens["admin"])).status_code == 404


def test_nul_in_a_query_or_body_is_a_400_not_a_database_error(client, tokens):
    editor = bearer(tokens["editor"])
    assert client.get("/oembed?url=http://localhost/stories/a%00b").status_code == 400
    assert client.post("/api/stories", headers=editor, json={"headline": "x", "video_id": "a\x00b"}).status_code == 400
    assert client.post("/beacon", data=json.dumps({"video": "a\x00b", "event": "play"})).status_code == 204
    from .test_studio import csrf_from
    login = csrf_from(client.get("/studio/login").get_data(as_text=True))
    assert client.post("/studio/login", data={"name": "a\x00b", "password": "x" * 12, "csrf_token": login}).status_code < 500


# The property tests again, on PostgreSQL: it refuses what SQLite stores (NUL, over-long values).
from .test_fuzz import (admin_csrf, story_id, test_no_input_makes_the_api_fail,  # noqa: E402,F401
                        test_no_multipart_form_makes_uploads_fail, test_no_studio_form_makes_the_studio_fail, video_id)
