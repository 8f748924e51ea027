"""The OpenAPI 3.1 document, built from the routes themselves so it cannot drift from them.

A view declares what it takes and answers with `@operation(...)` (under its `@bp.get/post/...`);
`document()` walks the app's URL map, turns Flask converters into path parameters and adds what
every route shares (the security schemes, the error shape, 401/403 for guarded routes, 404 for
routes with path parameters, 413 for routes with a body, 503 for every route). An /api route without `@operation` makes `document()` fail, and so
does an error code no error class declares (web/errors.py ERROR_STATUS).

    @bp.post("/videos/<video_id>/clips")
    @operation("Cut a clip", request=CLIP_REQUEST, responses={202: ACCEPTED},
               errors=["invalid_field", "not_ready"])
    @require_role("producer")
    def create_clip(video_id): ...

JSON Schemas are plain dicts; `component(name, schema)` files one under components/schemas and
returns its `$ref`."""
import copy
import re
from dataclasses import dataclass, field

from flask import current_app
from werkzeug.http import HTTP_STATUS_CODES

from videodesk.web.errors import ERROR_STATUS

TITLE = "videodesk API"
VERSION = "1.0.0"
DESCRIPTION = ("Upload and import videos, follow their processing, add captions and package them in stories. "
               "The workflow, examples and input rules are in docs/API.md.")

SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "An API token from `flask --app app create-token --role ROLE`."},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                      "description": "A signed-in studio session (the browser's cookie)."},
    "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                  "description": "The session's CSRF token; a session's unsafe requests must send it."},
}
SAFE_METHODS = ("get", "head", "options")

_schemas: dict[str, dict] = {}


def component(name: str, schema: dict) -> dict:
    """File a schema under components/schemas and return a reference to it."""
    _schemas[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


ERROR = component("Error", {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message"], "additionalProperties": False,
        "properties": {"code": {"type": "string", "description": "Machine-readable reason."},
                       "message": {"type": "string", "description": "A sentence a person can act on."}}}},
    "examples": [{"error": {"code": "not_found", "message": "No such video."}}],
})


@dataclass
class Reply:
    """A response with more than a JSON body: another media type, headers, links or no body."""

    description: str
    schema: dict | None = None
    media_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    content: dict = field(default_factory=dict)  # {media type: schema} when there are several

    def as_openapi(self) -> dict:
        answer = {"description": self.description}
        content = self.content or ({self.media_type: self.schema} if self.schema is not None else {})
        if content:
            answer["content"] = {media: {"schema": schema} for media, schema in content.items()}
        if self.headers:
            answer["headers"] = {name: {"schema": schema, "required": True} if "schema" not in schema else schema
                                 for name, schema in self.headers.items()}
        if self.links:
            answer["links"] = self.links
        return answer


def link(operation_id: str, **parameters) -> dict:
    """An OpenAPI link: how a response's values feed the next operation (e.g. id -> video_id)."""
    return {"operationId": operation_id, "parameters": parameters}


def operation(summary: str, *, responses: dict, errors=(), request: dict | None = None, parameters=(),
              description: str = "", tags=(), public: bool = False, request_required: bool = True):
    """Declare a view in the OpenAPI document.

    responses: {status: JSON Schema dict | Reply | None (no body)};
    errors: error codes (keys of ERROR_STATUS) the view itself can answer; 401/403 come with a guard
      (not `public`), 404 `not_found` with path parameters, `invalid_json` with a JSON body, 413
      `too_large` with any body (every route has a body limit, web/requests.py), and 503 `unavailable`
      everywhere (the database or the media store is down);
    request: a JSON Schema for a JSON body, or {media type: schema} for other and several bodies;
    parameters: OpenAPI parameter objects (query and header parameters; path ones are automatic)."""
    unknown = [code for code in errors if code not in ERROR_STATUS]
    if unknown:
        raise ValueError(f"error codes {unknown} are declared by no domain error (core/errors.py) nor web/errors.py")

    def decorator(view):
        view.openapi = {"summary": summary, "description": description or (view.__doc__ or "").strip(),
                        "responses": responses, "errors": list(errors), "request": request,
                        "parameters": list(parameters), "tags": list(tags), "public": public,
                        "request_required": request_required}
        return view

    return decorator


def query(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def header(name: str, schema: dict, description: str = "", required: bool = True) -> dict:
    return {"name": name, "in": "header", "required": required, "schema": schema, "description": description}


_CONVERTER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 0}, "path": {"type": "string"},
                      "default": {"type": "string", "pattern": "^[^/]+$"}}


def _path_and_parameters(rule: str) -> tuple[str, list[dict]]:
    parameters = [{"name": m["name"], "in": "path", "required": True,
                   "schema": dict(_CONVERTER_SCHEMAS.get(m["converter"] or "default", _CONVERTER_SCHEMAS["default"]))}
                  for m in _CONVERTER.finditer(rule)]
    return _CONVERTER.sub(lambda m: "{" + m["name"] + "}", rule), parameters


def _request_body(request: dict, required: bool) -> dict:
    bodies = request if all("/" in key for key in request) else {"application/json": request}
    content = {}
    for media, schema in bodies.items():
        content[media] = {"schema": schema}
        parts = {name: {"contentType": prop["contentMediaType"]}
                 for name, prop in schema.get("properties", {}).items() if "contentMediaType" in prop}
        if media == "multipart/form-data" and parts:
            content[media]["encoding"] = parts  # each file part's type, from its contentMediaType
    return {"required": required, "content": content}


def _error_response(codes: list[str]) -> dict:
    status = ERROR_STATUS[codes[0]]
    schema = copy.deepcopy(_schemas["Error"])
    schema["properties"]["error"]["properties"]["code"]["enum"] = codes
    schema["examples"] = [{"error": {"code": codes[0], "message": "..."}}]
    return {"description": f"{HTTP_STATUS_CODES[status]}: " + ", ".join(f"`{c}`" for c in codes),
            "content": {"application/json": {"schema": schema}}}


def _operation(endpoint: str, method: str, spec: dict, path_parameters: list[dict]) -> dict:
    errors = list(spec["errors"])
    if not spec["public"]:
        errors += ["unauthorized", "forbidden"]
    if path_parameters:
        errors.append("not_found")
    if any(parameter["in"] == "query" for parameter in spec["parameters"]):
        errors.append("bad_request")  # a NUL in the query string
    if spec["request"] is not None:
        errors.append("too_large")
        if spec["request"].get("type") == "object" or "application/json" in spec["request"]:
            errors.append("invalid_json")
    errors.append("unavailable")
    op = {"operationId": endpoint.replace(".", "_"), "summary": spec["summary"],
          "tags": spec["tags"] or [endpoint.split(".")[0]]}
    if spec["description"]:
        op["description"] = spec["description"]
    parameters = path_parameters + spec["parameters"]
    if parameters:
        op["parameters"] = parameters
    if spec["request"] is not None:
        op["requestBody"] = _request_body(spec["request"], spec["request_required"])
    responses = {}
    for status, answer in spec["responses"].items():
        if isinstance(answer, Reply):
            responses[str(status)] = answer.as_openapi()
        elif answer is None:
            responses[str(status)] = {"description": HTTP_STATUS_CODES[status]}
        else:
            responses[str(status)] = {"description": HTTP_STATUS_CODES[status],
                                      "content": {"application/json": {"schema": answer}}}
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(errors):
        by_status.setdefault(ERROR_STATUS[code], []).append(code)
    for status, codes in sorted(by_status.items()):
        responses[str(status)] = _error_response(codes)
    op["responses"] = dict(sorted(responses.items()))
    if spec["public"]:
        op["security"] = []
    elif method in SAFE_METHODS:
        op["security"] = [{"bearerAuth": []}, {"sessionCookie": []}]
    else:
        op["security"] = [{"bearerAuth": []}, {"sessionCookie": [], "csrfToken": []}]
    return op


def _methods(rule) -> list[str]:
    """The methods a view was declared for (not Flask's automatic HEAD and OPTIONS)."""
    methods = set(rule.methods)
    if getattr(rule, "provide_automatic_options", False):
        methods.discard("OPTIONS")
    if "GET" in methods:
        methods.discard("HEAD")
    return sorted(m.lower() for m in methods)


def documented(rule) -> bool:
    """Which routes the document covers: the JSON API and the machine endpoints next to it."""
    return rule.rule.startswith("/api/") or getattr(current_app.view_functions[rule.endpoint], "openapi", None)


def document() -> dict:
    """The OpenAPI document of the current app; raises LookupError for an undeclared /api route."""
    paths: dict[str, dict] = {}
    undeclared = []
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not documented(rule):
            continue
        spec = getattr(current_app.view_functions[rule.endpoint], "openapi", None)
        if spec is None:
            undeclared.append(f"{','.join(_methods(rule)).upper()} {rule.rule} ({rule.endpoint})")
            continue
        path, path_parameters = _path_and_parameters(rule.rule)
        for method in _methods(rule):
            paths.setdefault(path, {})[method] = _operation(rule.endpoint, method, spec, path_parameters)
    if undeclared:
        raise LookupError("routes without @operation (videodesk/web/openapi.py): " + "; ".join(undeclared))
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": [], "csrfToken": []}],
        "paths": paths,
        "components": {"schemas": dict(sorted(_schemas.items())), "securitySchemes": SECURITY_SCHEMES},
    }
