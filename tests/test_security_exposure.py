"""Third security review (docs/SECURITY.md, findings 3 to 10): changes to live pages are audited,
nothing private or replaced is published, sign-in cannot be locked by strangers, backups and
stored media are private to their owner, import URLs keep their secrets, unreviewed machine text
stays off pages, and finished work has a quota and rate limits."""
import pytest
from sqlalchemy import select

from videodesk.core import db
from videodesk.core.models import AuditEvent, User

from .helpers import bearer, make_app, sign_in


@pytest.fixture
def queued_app(tmp_path):
    """An app whose jobs stay queued (no ffmpeg): enough for rules that look at rows and files."""
    return make_app(tmp_path / "data", MAX_UPLOAD_MB=5, IMPORT_ALLOW_PRIVATE=True)


@pytest.fixture
def people(queued_app) -> dict:
    from videodesk.auth.tokens import issue_token
    result = {}
    with queued_app.app_context():
        for name, role in (("pat", "producer"), ("bea", "producer"), ("eddie", "editor"), ("ada", "admin")):
            user = User(name=name, role=role)
            db.session().add(user)
            result[name] = issue_token(user)
        db.session().commit()
    return result


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).where(AuditEvent.action == action)
                                         .order_by(AuditEvent.id)))


# Finding 8 ---------------------------------------------------------------------------------------

def test_the_audit_log_names_only_the_scheme_and_host_of_a_webhook(queued_app, people):
    secret_url = "https://127.0.0.1:8443/services/T0001/B0002/XXXXsecretXXXX?token=abc"
    client = queued_app.test_client()
    created = client.post("/api/webhooks", headers=bearer(people["ada"]),
                          json={"url": secret_url, "events": ["video.ready"]})
    assert created.status_code == 201, created.json
    assert client.delete(f"/api/webhooks/{created.json['id']}", headers=bearer(people["ada"])).status_code == 204
    details = [event.detail for action in ("webhook_create", "webhook_delete") for event in _audit(queued_app, action)]
    assert [detail["url"] for detail in details] == ["https://127.0.0.1:8443"] * 2
    sign_in(client, people["eddie"])
    page = client.get("/studio/audit").get_data(as_text=True)
    assert "https://127.0.0.1:8443" in page and "XXXXsecretXXXX" not in page and "T0001" not in page
