"""Webhooks (admin): register a receiver, list, delete, see its deliveries and attempts, redeliver."""
from flask import current_app, g

from videodesk.core.models import Webhook, WebhookDelivery
from videodesk.ingest import netguard
from videodesk.newsroom import webhooks
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.requests import json_body


def _iso(moment):
    return moment.isoformat() if moment else None


def webhook_json(hook: Webhook) -> dict:
    return {"id": hook.id, "url": hook.url, "events": hook.events, "created_at": _iso(hook.created_at),
            "deliveries_url": f"/api/webhooks/{hook.id}/deliveries"}


def delivery_json(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.id, "event": delivery.event, "status": delivery.status,
        "created_at": _iso(delivery.created_at),
        "next_attempt_at": _iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "attempts": [{"number": a.number, "at": _iso(a.at), "duration_ms": a.duration_ms,
                      "status_code": a.status_code, "error": a.error} for a in delivery.attempts],
    }


def address_problem(url: str) -> str:
    """The URL-import address policy, applied to webhook receivers at registration."""
    return netguard.check_url(url, allow_private=current_app.config["IMPORT_ALLOW_PRIVATE"])


@bp.post("/webhooks")
@require_role("admin")
def create_webhook():
    hook = webhooks.create_webhook(g.user, json_body(), address_problem)
    return {**webhook_json(hook), "secret": hook.secret}, 201


@bp.get("/webhooks")
@require_role("admin")
def list_webhooks():
    return {"webhooks": [webhook_json(hook) for hook in webhooks.all_webhooks()]}


@bp.delete("/webhooks/<webhook_id>")
@require_role("admin")
def delete_webhook(webhook_id):
    webhooks.delete_webhook(g.user, webhooks.webhook_by_id(webhook_id))
    return "", 204


@bp.get("/webhooks/<webhook_id>/deliveries")
@require_role("admin")
def list_deliveries(webhook_id):
    hook = webhooks.webhook_by_id(webhook_id)
    return {"deliveries": [delivery_json(d) for d in webhooks.deliveries(hook)]}


@bp.post("/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver")
@require_role("admin")
def redeliver(webhook_id, delivery_id):
    delivery = webhooks.delivery_of(webhooks.webhook_by_id(webhook_id), delivery_id)
    webhooks.redeliver(g.user, delivery)
    return delivery_json(delivery), 202
