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

from .conftest import bearer
from .servers import free_port
from .test_api import ready_video


def _as_postgres(args):
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def postgres_url():
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
        subprocess.run([f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "videodesk"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/videodesk"
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_whole_flow_on_postgresql(tmp_path, postgres_url, clips):
    from videodesk import create_app, db, migrate
    from videodesk.auth import issue_token
    from videodesk.models import User

    app = create_app({"DATA_DIR": tmp_path / "data", "DATABASE_URL": postgres_url, "REDIS_URL": None,
                      "QUEUE_IMMEDIATE": True, "MAX_UPLOAD_MB": 5})
    migrate.upgrade(postgres_url)
    migrate.upgrade(postgres_url)  # idempotent
    with app.app_context():
        assert db.session().get_bind().dialect.name == "postgresql"
        tokens = {}
        for role in ("producer", "editor"):
            user = User(name=role, role=role)
            db.session().add(user)
            tokens[role] = issue_token(user)
        db.session().commit()
    client = app.test_client()
    video = ready_video(client, tokens, clips)
    assert video["metadata"]["has_audio"] and video["captions"][0]["lang"] == "en"
    story = client.post("/api/stories", headers=bearer(tokens["editor"]), json={
        "headline": "On PostgreSQL", "video_id": video["id"], "status": "published"}).json
    assert "Watch video below:" in client.get(story["url"]).get_data(as_text=True)
    for _ in range(2):
        client.post("/beacon", data=json.dumps({"video": video["id"], "event": "play"}))
    assert client.get(video["url"], headers=bearer(tokens["editor"])).json["watch"] == {"play": 2}
