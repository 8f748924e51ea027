"""videodesk: video-first story packaging for newsrooms."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None) -> Flask:
    """Build the app; `config` overrides settings read from the environment (tests use it)."""
    from . import cli, db, errors, tasks, security
    from .analytics import bp as analytics_bp
    from .api import bp as api_bp
    from .embed import bp as embed_bp
    from .feeds import bp as feeds_bp
    from .config import load_config
    from .csrf import csrf_token
    from .media_files import bp as media_bp
    from .presenters import (absolute, default_track, filesize, format_duration, rfc822, section_slug, srcset,
                             yyyymmdd)
    from .public import bp as public_bp
    from .resumable import bp as resumable_bp
    from .studio import bp as studio_bp
    from .uploads import StreamingRequest

    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(load_config(config))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", JSON_SORT_KEYS=False)
    app.request_class = StreamingRequest
    db.init_app(app)
    tasks.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    for blueprint in (api_bp, public_bp, media_bp, studio_bp, embed_bp, feeds_bp, analytics_bp,
                      resumable_bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["srcset"] = srcset
    app.jinja_env.filters["section_slug"] = section_slug
    app.jinja_env.filters["default_track"] = default_track
    app.jinja_env.filters["absolute"] = absolute
    app.jinja_env.filters["rfc822"] = rfc822
    app.jinja_env.filters["yyyymmdd"] = yyyymmdd
    app.jinja_env.filters["filesize"] = filesize
    return app
