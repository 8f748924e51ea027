"""The composition root: builds the Flask app from the layers (see docs/ARCHITECTURE.md)."""
import os
from pathlib import Path

from werkzeug.middleware.proxy_fix import ProxyFix

from videodesk.cli import commands
from videodesk.core import db, storage
from videodesk.core.settings import EXTENSION as SETTINGS_EXTENSION
from videodesk.core.settings import PRIVATE_UMASK, Settings, prepare_data_folder
from videodesk.jobs import queue
from videodesk.objectstore import store_from_settings
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


def create_app(overrides: dict | None = None) -> SiteFlask:
    """Build the app from the environment's settings; `overrides` (Settings field names) win over
    them (tests use it)."""
    os.umask(PRIVATE_UMASK)  # every process (web, worker, CLI) writes private files
    settings = prepare_data_folder(Settings.from_env(**(overrides or {})))
    app = SiteFlask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.extensions[SETTINGS_EXTENSION] = settings
    # Flask's own settings, from ours.
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_content_length,
                      SESSION_COOKIE_SECURE=settings.secure_cookies, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", JSON_SORT_KEYS=False)
    if settings.trusted_proxies:
        # request.remote_addr is the client that the nearest trusted proxy saw, never what a client wrote.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=0, x_host=0, x_port=0,
                                x_prefix=0)
    requests.init_app(app)
    db.init_app(app, settings.database_url)
    # One store per app: every process (web node, worker, CLI) builds the same one from the settings.
    app.extensions[storage.STORE_EXTENSION] = store_from_settings(settings)
    queue.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    change_log.init_app(app)
    commands.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(csrf_token=csrf_token, station_logo=station_logo)
    app.context_processor(lambda: {"site_settings": app.settings})
    filters.register(app)
    return app
