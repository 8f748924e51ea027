"""Commands of the contract: create-token, worker; and the ones `make run` uses."""
import logging
import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from videodesk.auth import users
from videodesk.auth.tokens import issue_token
from videodesk.cli import storage as storage_commands
from videodesk.cli.backup import backup, restore
from videodesk.cli.seed import seed
from videodesk.core import db, migrate
from videodesk.core.models import ROLES, User
from videodesk.core.settings import current_settings
from videodesk.jobs.live.service import IngestService
from videodesk.jobs.priority import lower_priority
from videodesk.jobs.queue import queue
from videodesk.newsroom import audit

INGEST_RESTART_S = 2


@click.command("create-token")
@with_appcontext
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default=None, help="User name; reused if it exists (its role is updated).")
def create_token(role, name):
    """Create (or reuse) a user and print a new API token as the last line."""
    session = db.session()
    name = name or f"{role}-{int(time.time())}"
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name, role=role)
        session.add(user)
    elif user.role != role:
        audit.record(None, "role_change", f"user:{user.name}", old=user.role, new=role, by="cli")
        users.set_role(user, role)
    user.role = role
    token = issue_token(user)
    session.commit()
    click.echo(f"User {user.name} ({user.role}); API token:")
    click.echo(token)


@click.command("set-password")
@with_appcontext
@click.option("--name", required=True, help="An existing user (create one with create-token).")
@click.password_option(help="Prompted for when not given.")
def set_password(name, password):
    """Let a user sign in to the studio with a password (stored as a scrypt hash)."""
    user = db.session().scalar(select(User).where(User.name == name))
    if user is None:
        raise click.ClickException(f"No user named {name!r}.")
    if len(password) < 10:
        raise click.ClickException("Use at least 10 characters.")
    users.set_password(user, password)
    db.session().commit()
    click.echo(f"password set for {user.name}")


@click.command("worker")
@with_appcontext
@click.option("--workers", type=int, default=None, help="Jobs run at once (default VIDEODESK_WORKERS, 4).")
def worker(workers):
    """Run a queue consumer (start several, on several machines with Redis, for more throughput)."""
    # Job outcomes and queue outages (huey logs "Error reading from queue" and retries) reach stderr.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = current_settings()
    lower_priority(settings.worker_nice)
    q = queue()
    # Jobs of a worker that died are taken over now, or as soon as their lease runs out.
    q.recover_stalled()
    q.recover_stalled_later.schedule(delay=settings.job_lease_s + 1)
    q.consumer(workers or settings.workers).run()


@click.command("ingest")
@with_appcontext
def ingest():
    """Run the live ingest service: RTMP (nginx) and SRT listeners, packaging, recordings (docs/LIVE.md)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    service = IngestService(current_app._get_current_object())
    service.start()
    service.run_forever()


@click.command("db-upgrade")
@with_appcontext
def db_upgrade():
    """Create or upgrade the database schema."""
    migrate.upgrade(current_settings().database_url)
    click.echo("database is up to date")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Add the demo story with a generated clip (once)."""
    story = seed()
    click.echo(f"demo story: /stories/{story.slug}")


@click.command("serve")
@with_appcontext
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")))
@click.option("--host", default="127.0.0.1")
def serve(port, host):
    """Run the web server (gunicorn) and one worker together; Ctrl-C stops both."""
    bindir = os.path.dirname(sys.executable)
    env = {**os.environ, "VIDEODESK_DATA": str(current_settings().data_dir)}
    flask = os.path.join(bindir, "flask")
    children = [
        subprocess.Popen([os.path.join(bindir, "gunicorn"), "--config", "python:videodesk.cli.gunicorn_conf",
                          "--bind", f"{host}:{port}", "app:app"], env=env),
        subprocess.Popen([flask, "--app", "app", "worker"], env=env),
    ]
    # The live ingest service (RTMP, SRT) is restarted if it dies: encoders reconnect and the
    # event continues (docs/LIVE.md).
    ingest = [subprocess.Popen([flask, "--app", "app", "ingest"], env=env)]
    click.echo(f"videodesk on http://{host}:{port}/ (web + worker + live ingest); Ctrl-C stops them")

    def stop(*_):
        for child in [*children, *ingest]:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            if ingest[-1].poll() is not None:
                click.echo(f"live ingest stopped (exit {ingest[-1].returncode}); starting it again", err=True)
                time.sleep(INGEST_RESTART_S)
                ingest.append(subprocess.Popen([flask, "--app", "app", "ingest"], env=env))
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in [*children, *ingest]:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
    sys.exit(max(abs(child.returncode or 0) for child in children) and 1)


def init_app(app):
    for command in (create_token, set_password, worker, ingest, db_upgrade, seed_demo, serve, backup, restore,
                    *storage_commands.COMMANDS):
        app.cli.add_command(command)
