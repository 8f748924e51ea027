"""What the running test says it needs (its pytest marks: browser, postgres, redis, s3, server, live).

A service started for a test that does not declare it fails that test, so the marks stay true and
`make check` (which deselects those marks) never starts a server. Outside pytest (bench/, the
screenshot script) nothing is checked."""
import pytest

_declared: set[str] | None = None


def declare(marks: set[str]):
    """Called by tests/conftest.py before each test's fixtures are set up."""
    global _declared
    _declared = marks


def require(mark: str):
    if _declared is not None and mark not in _declared:
        pytest.fail(f"this test starts a {mark} service but is not marked @pytest.mark.{mark} (pytest.ini)")
