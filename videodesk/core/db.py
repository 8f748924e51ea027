"""One SQLAlchemy engine per app, one session per app context (request or job)."""
from datetime import UTC

from flask import current_app, g
from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter

EXTENSION = "videodesk.db"


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def make_engine(url: str):
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets the web and the worker read while the other writes.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


MAX_ROW_ID = 2 ** 31 - 1  # PostgreSQL's INTEGER
NO_ROW_ID = 0  # ids start at 1


class RowIdConverter(IntegerConverter):
    """`<int:...>` takes every number, as the API document says; one beyond PostgreSQL's INTEGER names
    no row, so it becomes NO_ROW_ID and the route answers its own 404 (not a database error). A
    converter that refused the number would make werkzeug answer 405 where another method's rule has
    the same path (PATCH /api/stories/<huge>)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ROW_ID else NO_ROW_ID


def init_app(app, database_url: str):
    app.url_map.converters["int"] = RowIdConverter
    engine = make_engine(database_url)
    app.extensions[EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXTENSION]()
    return g.db_session


_WITH_NEXT_COMMIT = "videodesk.with_next_commit"


def add_with_next_commit(row):
    """Save `row` with the session's next commit, the one that saves the change it belongs to (an
    audit entry, a counted job request), without flushing it, and so without taking a write lock,
    before then. A request that changes nothing itself commits them after its view (web/change_log.py)."""
    session().info.setdefault(_WITH_NEXT_COMMIT, []).append(row)


def waiting_for_commit() -> bool:
    return bool(session().info.get(_WITH_NEXT_COMMIT))


def drop_waiting():
    """The change was refused: the rows that were to go with it go too."""
    session().info.pop(_WITH_NEXT_COMMIT, None)


@event.listens_for(Session, "before_commit")
def _add_waiting_rows(db_session: Session):
    for row in db_session.info.pop(_WITH_NEXT_COMMIT, ()):
        db_session.add(row)


def _close_session(_exc):
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def add_to_rows(db_session: Session, model, rows: list[dict], keys: tuple[str, ...], sums: tuple[str, ...]):
    """Insert `rows` or, where a row with the same `keys` exists, add their `sums` to it, in one
    atomic statement per 500 rows (INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n on
    PostgreSQL and SQLite), so processes on many machines can add to the same numbers. Rows go in
    key order: two writers lock rows in the same order and never deadlock each other."""
    insert = postgresql.insert if db_session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = sorted(rows, key=lambda row: tuple(row[key] for key in keys))
    for start in range(0, len(rows), 500):
        statement = insert(model).values(rows[start:start + 500])
        db_session.execute(statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: getattr(model, name) + statement.excluded[name] for name in sums}))
