"""The API describing itself: the OpenAPI document and its human page (Redoc, served from static/vendor)."""
from flask import current_app, render_template

from videodesk.web import security
from videodesk.web.api import bp
from videodesk.web.openapi import Reply, document, operation


@bp.get("/openapi.json")
@operation("This document", tags=["service"], public=True,
           responses={200: Reply("OpenAPI 3.1", {"type": "object", "required": ["openapi", "paths"]})})
def openapi_document():
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = document()
    return current_app.extensions["openapi"]


@bp.get("/docs")
@operation("This document for people (Redoc)", tags=["service"], public=True,
           responses={200: Reply("An HTML page", {"type": "string"}, media_type="text/html")})
def docs_page():
    return render_template("api/docs.html"), 200, {"Content-Security-Policy": security.policy("docs")}
