"""`flask backup DEST` and `flask restore SRC`: everything a data folder needs to come back elsewhere.

A backup is a folder: the database (a SQLite online-backup copy, or a `pg_dump` custom-format
archive), the media and originals (`media/`, `uploads/`), `secret_key` (so sessions and signed
media paths stay valid) and, written last, `videodesk-backup.json`; without it the folder is an
interrupted backup and restore refuses it. The database is copied first, so every file it names
already exists when the folders are copied (media files are only ever replaced whole).

A backup holds unpublished media and webhook secrets: it is written under umask 077 and every
folder ends up 0700 and every file 0600, whatever the modes of the files it copies."""
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from videodesk.core.settings import PRIVATE_UMASK, current_settings
from videodesk.media.outputs import TEMP_PREFIX

FORMAT = 1
MANIFEST = "videodesk-backup.json"
FOLDERS = ("media", "uploads")
SECRET_KEY = "secret_key"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
PG_TIMEOUT_S = 3600


def _kind(database_url: str) -> str:
    kind = make_url(database_url).get_backend_name()
    if kind not in DUMP_NAMES:
        raise click.ClickException(f"Backups support SQLite and PostgreSQL, not {kind}.")
    return kind


def _libpq(database_url: str) -> tuple[str, dict]:
    """pg_dump/pg_restore take a libpq URL; the password travels in the environment, not on the command line."""
    url = make_url(database_url)
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg(args: list[str], database_url: str, what: str):
    url, env = _libpq(database_url)
    binary = shutil.which(args[0])
    if binary is None:
        raise click.ClickException(f"{args[0]} is missing; install postgresql-client.")
    done = subprocess.run([binary, *args[1:], "--dbname", url], env=env, capture_output=True, text=True,
                          timeout=PG_TIMEOUT_S)
    if done.returncode != 0:
        raise click.ClickException(f"{what} failed: {done.stderr.strip()[-500:]}")


def _sqlite_path(database_url: str) -> Path:
    return Path(make_url(database_url).database)


def _sqlite_copy(source: Path, target: Path):
    """SQLite's online backup: a consistent copy even while the web and the worker write (WAL)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@contextlib.contextmanager
def _private_files():
    old = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(old)


def _copy_folder(source: Path, target: Path):
    """The files' bytes, not their modes (copytree's usual copy2 would keep a 0644 file readable)."""
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(TEMP_PREFIX + "*"),
                        copy_function=shutil.copyfile)
        _make_private(target)


def _make_private(folder: Path):
    """copytree gives copied folders their source's mode: owner only, like the files."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)


def _files_in(folder: Path) -> tuple[int, int]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def make_backup(data_dir: Path, database_url: str, dest: Path) -> dict:
    with _private_files():
        return _write_backup(data_dir, database_url, dest)


def _write_backup(data_dir: Path, database_url: str, dest: Path) -> dict:
    kind = _kind(database_url)
    if dest.exists() and any(dest.iterdir()):
        raise click.ClickException(f"{dest} is not empty; back up into a new folder.")
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o700)  # also when it existed (empty)
    dump = dest / DUMP_NAMES[kind]
    if kind == "sqlite":
        _sqlite_copy(_sqlite_path(database_url), dump)
    else:
        _pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)], database_url,
            "pg_dump")
    for folder in FOLDERS:
        _copy_folder(data_dir / folder, dest / folder)
    if (data_dir / SECRET_KEY).exists():
        shutil.copyfile(data_dir / SECRET_KEY, dest / SECRET_KEY)
    files, size = _files_in(dest)
    manifest = {"format": FORMAT, "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": kind, "files": files, "bytes": size}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _holds_data(data_dir: Path, database_url: str) -> bool:
    """A target holds data when its database has tables or its media or originals folders are not empty."""
    if any(any((data_dir / folder).iterdir()) for folder in FOLDERS if (data_dir / folder).is_dir()):
        return True
    if _kind(database_url) == "sqlite" and not _sqlite_path(database_url).exists():
        return False
    engine = create_engine(database_url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def restore_backup(src: Path, data_dir: Path, database_url: str, force: bool) -> dict:
    with _private_files():
        return _restore(src, data_dir, database_url, force)


def _restore(src: Path, data_dir: Path, database_url: str, force: bool) -> dict:
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError):
        raise click.ClickException(f"{src} holds no complete videodesk backup ({MANIFEST} is missing).") from None
    if manifest.get("format") != FORMAT:
        raise click.ClickException(f"Backup format {manifest.get('format')} is not one this version restores.")
    kind = _kind(database_url)
    if manifest["database"] != kind:
        raise click.ClickException(f"The backup holds a {manifest['database']} database; this installation "
                                   f"uses {kind}.")
    if not force and _holds_data(data_dir, database_url):
        raise click.ClickException(f"{data_dir} (or its database) already holds data; restore onto a fresh "
                                   "installation, or pass --force to replace it.")
    dump = src / DUMP_NAMES[kind]
    if kind == "sqlite":
        target = _sqlite_path(database_url)
        for stale in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            stale.unlink(missing_ok=True)
        _sqlite_copy(dump, target)
    else:
        _pg(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             str(dump)], database_url, "pg_restore")
    for folder in FOLDERS:
        if force:
            shutil.rmtree(data_dir / folder, ignore_errors=True)
        _copy_folder(src / folder, data_dir / folder)
        (data_dir / folder).mkdir(exist_ok=True)
    if (src / SECRET_KEY).exists():
        shutil.copyfile(src / SECRET_KEY, data_dir / SECRET_KEY)
        (data_dir / SECRET_KEY).chmod(0o600)
    return manifest


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup(dest):
    """Write a consistent snapshot of the database, media, originals and secret key into DEST (a new folder)."""
    settings = current_settings()
    manifest = make_backup(settings.data_dir, settings.database_url, dest.resolve())
    click.echo(f"backup of {manifest['files']} files ({manifest['bytes']} bytes) written to {dest}")


@click.command("restore")
@with_appcontext
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data folder's and database's current contents.")
def restore(src, force):
    """Bring a backup back into this installation's data folder and database (stop the service first)."""
    settings = current_settings()
    manifest = restore_backup(src.resolve(), settings.data_dir, settings.database_url, force)
    click.echo(f"restored the backup of {manifest['created']} into {settings.data_dir}")
