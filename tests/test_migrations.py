"""Migrations on an existing database: a database at the previous head keeps its rows through
`upgrade` to the new head, and the app serves them."""
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from videodesk.app import create_app
from videodesk.core import migrate

from .helpers import database_before


def test_upgrade_from_the_previous_head_keeps_the_data(tmp_path):
    url = database_before(tmp_path)
    head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
    with create_engine(url).begin() as connection:
        connection.execute(text(
            "INSERT INTO videos (id, title, status, progress, source_kind, source_name, outputs, pipeline_state, "
            "created_at, updated_at) "
            "VALUES ('v0000000000000000001', 'Old clip', 'failed', 0, 'upload', 'old.mp4', '{}', '{}', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
    migrate.upgrade(url)
    with create_engine(url).connect() as connection:
        assert connection.execute(text("SELECT title FROM videos")).scalar() == "Old clip"
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    app = create_app({"data_dir": tmp_path / "data", "database_url": url, "redis_url": None})
    with app.test_request_context():
        from videodesk.core import db
        from videodesk.core.models import Video
        assert db.session().get(Video, "v0000000000000000001").title == "Old clip"
