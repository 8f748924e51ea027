"""The composition root: builds the Flask app from the layers (see docs/ARCHITECTURE.md)."""
import os
from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix

from videodesk.cli import commands
from videodesk.core import db, storage
from videodesk.core.config import PRIVATE_UMASK, load_config
from videodesk.jobs import queue
from videodesk.objectstore import store_from_config
from videodesk.web import change_log, errors, filters, requests, security
from videodesk.web.api import bp as api_bp
from videodesk.web.api.uploads import bp as uploads_bp
from videodesk.web.csrf import csrf_token
from videodesk.web.reader.beacon import bp as beacon_bp
from videodesk.web.reader.branding import bp as branding_bp
from videodesk.web.reader.embed import bp as embed_bp
from videodesk.web.reader.feeds import bp as feeds_bp
from videodesk.web.reader.files import bp as files_bp
from videodesk.web.reader.pages import bp as pages_bp
from videodesk.web.reader.watch import bp as watch_bp
from videodesk.web.studio import bp as studio_bp
from videodesk.web.urls import SiteFlask
from videodesk.web.views import station_logo

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS = (api_bp, uploads_bp, pages_bp, files_bp, studio_bp, embed_bp, feeds_bp, beacon_bp, watch_bp, branding_bp)


def create_app(config=None) -> SiteFlask:
    """Build the app; `config` overrides settings read from the environment (tests use it)."""
    os.umask(PRIVATE_UMASK)  # every process (web, worker, CLI) writes private files
    app = SiteFlask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(load_config(config))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", JSON_SORT_KEYS=False)
    if app.config["TRUSTED_PROXIES"]:
        # request.remote_addr is the client that the nearest trusted proxy saw, never what a client wrote.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=0, x_host=0, x_port=0,
                                x_prefix=0)
    requests.init_app(app)
    db.init_app(app)
    # One store per app: every process (web node, worker, CLI) builds the same one from the settings.
    app.extensions[storage.STORE_EXTENSION] = store_from_config(app.config)
    queue.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    change_log.init_app(app)
    commands.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(csrf_token=csrf_token, station_logo=station_logo)
    filters.register(app)
    return app
