"""Grep-able rules about where things may be written, enforced by `make test` and `make check`."""
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
