"""Grep-able rules about where things may be written, enforced by `make test` and `make check`."""
import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "videodesk"


def test_settings_are_read_from_the_settings_object_below_the_web_layer():
    """Below web/, settings come from `current_settings()` (videodesk/core/settings.py), never from
    Flask's config by string key."""
    pattern = re.compile(r"current_app\.config\[")
    offenders = [f"{path.relative_to(PACKAGE)}:{number}"
                 for path in sorted(PACKAGE.rglob("*.py")) if path.relative_to(PACKAGE).parts[0] not in ("web", "app.py")
                 for number, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []


# The fields only core/lifecycle/ writes: states, typed state records and failures of videos,
# caption jobs, ladder parts and live streams (whatever the row is called where it is assigned).
LIFECYCLE_FIELDS = {"status", "pipeline_state", "outputs", "captioning", "trim", "clip_of", "error", "edit_errors",
                    "processing_renewed_at"}
LIFECYCLE_PACKAGE = PACKAGE / "core" / "lifecycle"
MIGRATIONS = PACKAGE / "core" / "migrations"  # they move old rows' data, not states
# Same names that are not a lifecycle's: a story's publication (newsroom/stories.py), a webhook
# delivery and its attempts (newsroom/webhooks.py), each written by its own module only, and HTTP
# answers. (file, what is assigned to)
NOT_LIFECYCLE = {("newsroom/stories.py", "story"), ("newsroom/stories.py", "Story"), ("cli/seed.py", "Story"),
                 ("newsroom/webhooks.py", "delivery"), ("newsroom/webhooks.py", "WebhookDelivery"),
                 ("newsroom/webhooks.py", "WebhookAttempt"), ("web/api/uploads.py", "Response"),
                 ("web/errors.py", "self"),
                 ("jobs/live/session.py", "self")}  # an ingest session's in-memory error, not a row


def _lifecycle_writes(path: Path) -> list[str]:
    """Assignments (plain, tuple, augmented), row constructors and UPDATE .values() that set a lifecycle field."""
    rel = path.relative_to(PACKAGE).as_posix()
    found = []

    def flag(owner: str, field: str, line: int):
        if field in LIFECYCLE_FIELDS and (rel, owner) not in NOT_LIFECYCLE:
            found.append(f"{rel}:{line} {owner}.{field}")

    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(item, ast.Attribute):
                    flag(ast.unparse(item.value), item.attr, node.lineno)
        if isinstance(node, ast.Call):
            callee = ast.unparse(node.func)
            if callee.endswith(".values") or callee[:1].isupper() or callee == "setattr":
                owner = callee.rsplit(".", 1)[0]
                for keyword in node.keywords:
                    flag(owner, keyword.arg, node.lineno)
                if callee == "setattr" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                    flag(ast.unparse(node.args[0]), node.args[1].value, node.lineno)
    return found


def test_states_and_typed_state_are_written_only_by_the_lifecycle():
    """No module outside videodesk/core/lifecycle/ assigns a status, a typed state field (pipeline
    state, outputs, captioning, trim, clip origin) or a failure; they call a transition instead."""
    offenders = [found for path in sorted(PACKAGE.rglob("*.py"))
                 if LIFECYCLE_PACKAGE not in path.parents and MIGRATIONS not in path.parents
                 for found in _lifecycle_writes(path)]
    assert offenders == []
