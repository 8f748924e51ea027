import collections
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import flask
import pytest
import redis
from jinja2 import BytecodeCache
from werkzeug.routing import Rule

from videodesk.core import migrate
from videodesk.media import whisper_model

from . import media, needs
from .helpers import copy_sqlite, make_app, make_tokens, ready_video
from .servers import PostgresCluster, free_port, wait_until

PG_TEMPLATE = "videodesk_template"


class RuleBuiltOnce(Rule):
    """A URL rule whose builder functions are compiled once per test process. Werkzeug compiles two
    Python functions per rule and app (60 ms an app); a test run makes hundreds of apps of the same
    rules, and the same rule always compiles to the same function (it reads its converters from the
    rule it is bound to)."""

    _builders: dict = {}

    def _compile_builder(self, append_unknown: bool = True):
        key = (self.rule, self.host, self.subdomain, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               append_unknown)
        if key not in self._builders:
            self._builders[key] = super()._compile_builder(append_unknown)
        return self._builders[key]


class TemplatesCompiledOnce(BytecodeCache):
    """Jinja's compiled templates kept for the test process: each app has its own Jinja environment and
    would compile every template it renders again (9 ms each); the cache is keyed by the template's source."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


# In-process apps only: the servers that tests start run the product as it is.
flask.Flask.url_rule_class = RuleBuiltOnce
flask.Flask.jinja_options = {**flask.Flask.jinja_options, "bytecode_cache": TemplatesCompiledOnce()}


FILE_SECONDS = "videodesk/file-seconds"
_file_seconds: collections.Counter = collections.Counter()


def pytest_collection_modifyitems(config, items):
    """The slowest test files first, by their times in the last run (pytest's cache): with `--dist
    loadfile` the workers then finish together instead of one running a long file alone at the end.
    The sort is stable, so each file's tests keep their order."""
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    seconds = cache.get(FILE_SECONDS, {}) if cache else {}
    items.sort(key=lambda item: -seconds.get(item.nodeid.split("::")[0], 0.0))


def pytest_runtest_logreport(report):
    _file_seconds[report.nodeid.split("::")[0]] += report.duration


def pytest_sessionfinish(session):
    cache = getattr(session.config, "cache", None)
    if cache and not hasattr(session.config, "workerinput"):  # the run's controller
        seconds = cache.get(FILE_SECONDS, {})
        cache.set(FILE_SECONDS, {**seconds, **{f: round(s, 1) for f, s in _file_seconds.items()}})


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


@pytest.fixture(scope="session")
def ready_template(tmp_path_factory, clips):
    """A data folder with the users of `tokens` and one ready video (the 3 s clip with its captions,
    as `helpers.ready_video` makes it), processed once per test run."""
    folder = tmp_path_factory.mktemp("ready-template") / "data"
    app = make_app(folder, queue_immediate=True, max_upload_mb=5)
    tokens = make_tokens(app)
    return folder, tokens, ready_video(app.test_client(), tokens, clips)


@pytest.fixture
def ready(tmp_path, ready_template) -> SimpleNamespace:
    """A copy of the ready template for one test: `app`, `client`, `tokens` and the ready `video`."""
    folder, tokens, video = ready_template
    data = tmp_path / "data"
    shutil.copytree(folder, data, ignore=shutil.ignore_patterns("videodesk.db*"))
    copy_sqlite(folder / "videodesk.db", data / "videodesk.db")
    app = make_app(data, queue_immediate=True, max_upload_mb=5)
    yield SimpleNamespace(app=app, client=app.test_client(), tokens=tokens, video=video)
    shutil.rmtree(data, ignore_errors=True)


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


@pytest.fixture(scope="session")
def postgres_template(postgres_cluster) -> str:
    """A database migrated once per test run; `createdb -T` copies it in a moment."""
    migrate.upgrade(postgres_cluster.new_database(PG_TEMPLATE))
    return PG_TEMPLATE


@pytest.fixture
def pg_app(tmp_path, postgres_server, postgres_template):
    """The same app on a fresh PostgreSQL database (PostgreSQL refuses what SQLite stores: NUL, overflows)."""
    createdb, server = postgres_server
    name = "videodesk_" + "".join(c for c in tmp_path.name.lower() if c.isalnum())
    subprocess.run([*createdb, "-T", postgres_template, name], check=True, capture_output=True)
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
