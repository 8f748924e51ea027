import shutil
from pathlib import Path

import pytest

from videodesk import create_app, db, migrate
from videodesk.auth import issue_token
from videodesk.models import User

from . import media


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


def make_app(data_dir: Path, **overrides):
    app = create_app({"DATA_DIR": data_dir, "DATABASE_URL": f"sqlite:///{data_dir / 'videodesk.db'}",
                      "REDIS_URL": None, **overrides})
    migrate.upgrade(app.config["DATABASE_URL"])
    return app


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


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
