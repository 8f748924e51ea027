import shutil
import subprocess

import pytest

from videodesk.auth.tokens import issue_token
from videodesk.core import db
from videodesk.core.models import User

from . import media
from .helpers import make_app
from .servers import PostgresCluster


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("clips")
    clip = media.make_clip(folder / "clip.mp4", seconds=3)
    srt = folder / "captions.srt"
    srt.write_text(media.SRT)
    text = folder / "notes.mp4"
    text.write_text("This is a text file pretending to be a video.\n" * 20)
    empty = folder / "empty.mp4"
    empty.write_bytes(b"")
    return {
        "clip": clip, "srt": srt, "text": text, "empty": empty,
        "truncated": media.make_truncated(clip, folder / "truncated.mp4"),
    }


@pytest.fixture
def app(tmp_path):
    """An in-process app whose jobs run immediately (huey's immediate mode)."""
    app = make_app(tmp_path / "data", QUEUE_IMMEDIATE=True, MAX_UPLOAD_MB=5)
    yield app
    shutil.rmtree(tmp_path / "data", ignore_errors=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tokens(app) -> dict:
    """An API token per role, plus a second producer to test ownership."""
    result = {}
    with app.app_context():
        session = db.session()
        for name, role in (("producer", "producer"), ("other", "producer"), ("editor", "editor"), ("admin", "admin")):
            user = User(name=name, role=role)
            session.add(user)
            result[name] = issue_token(user)
        session.commit()
    return result


@pytest.fixture(scope="session")
def postgres_cluster():
    """One PostgreSQL server for the session (tests that stop it start it again before they end)."""
    try:
        cluster = PostgresCluster()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield cluster
    cluster.remove()


@pytest.fixture(scope="session")
def postgres_server(postgres_cluster):
    """(createdb command, server URL without a database) of the session's server."""
    return postgres_cluster.createdb_command(), postgres_cluster.url


@pytest.fixture
def pg_app(tmp_path, postgres_server):
    """The same app on a fresh PostgreSQL database (PostgreSQL refuses what SQLite stores: NUL, overflows)."""
    createdb, server = postgres_server
    name = "videodesk_" + "".join(c for c in tmp_path.name.lower() if c.isalnum())
    subprocess.run([*createdb, name], check=True, capture_output=True)
    return make_app(tmp_path / "data", DATABASE_URL=f"{server}/{name}", QUEUE_IMMEDIATE=True, MAX_UPLOAD_MB=5)
