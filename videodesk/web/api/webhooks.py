"""Webhooks (admin): register a receiver, list, delete, see its deliveries and attempts, redeliver."""
from flask import g

from videodesk.core.models import Webhook, WebhookDelivery
from videodesk.core.settings import current_settings
from videodesk.ingest import netguard
from videodesk.newsroom import webhooks
from videodesk.web.access import require_role
from videodesk.web.api import bp
from videodesk.web.openapi import Reply, component, link, operation
from videodesk.web.requests import json_body

ADMIN_ONLY = "Needs the admin role (docs/WATCH_AND_WEBHOOKS.md)."
MOMENT = {"type": "string", "format": "date-time"}
NULLABLE_MOMENT = {"type": ["string", "null"], "format": "date-time"}
EVENT = {"type": "string", "enum": list(webhooks.EVENTS)}
_WEBHOOK_FIELDS = {
    "id": {"type": "string"}, "url": {"type": "string", "description": "The receiver."},
    "events": {"type": "array", "items": EVENT, "minItems": 1}, "created_at": MOMENT,
    "deliveries_url": {"type": "string", "description": "Its deliveries' API URL."}}
_WEBHOOK_EXAMPLE = {"id": "3k9x0q1m2n4b5v6c7z8a", "url": "https://hooks.example.org/videodesk",
                    "events": ["video.ready", "story.published"], "created_at": "2026-11-26T10:00:00+00:00",
                    "deliveries_url": "/api/webhooks/3k9x0q1m2n4b5v6c7z8a/deliveries"}
WEBHOOK = component("Webhook", {
    "type": "object", "required": list(_WEBHOOK_FIELDS), "additionalProperties": False,
    "properties": _WEBHOOK_FIELDS, "examples": [_WEBHOOK_EXAMPLE]})
WEBHOOK_CREATED = component("WebhookCreated", {
    "type": "object", "required": [*_WEBHOOK_FIELDS, "secret"], "additionalProperties": False,
    "properties": {**_WEBHOOK_FIELDS, "secret": {
        "type": "string", "description": "Signs every delivery (X-Videodesk-Signature); shown only here."}},
    "examples": [{**_WEBHOOK_EXAMPLE, "secret": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]})
DELIVERY = component("WebhookDelivery", {
    "type": "object", "required": ["id", "event", "status", "created_at", "next_attempt_at", "attempts"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "description": "Also the body's id and X-Videodesk-Delivery: the same on every retry."},
        "event": EVENT, "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
        "created_at": MOMENT,
        "next_attempt_at": {**NULLABLE_MOMENT, "description": "When a pending delivery is tried next; else null."},
        "attempts": {"type": "array", "items": {
            "type": "object", "required": ["number", "at", "duration_ms", "status_code", "error"],
            "additionalProperties": False,
            "properties": {"number": {"type": "integer", "minimum": 1}, "at": MOMENT,
                           "duration_ms": {"type": "integer", "minimum": 0},
                           "status_code": {"type": ["integer", "null"], "description": "null: no HTTP answer"},
                           "error": {"type": ["string", "null"], "description": "Why the attempt failed."}}}}},
    "examples": [{"id": "q1m2n4b5v6c7z8a3k9x0", "event": "video.ready", "status": "pending",
                  "created_at": "2026-11-26T10:00:00+00:00", "next_attempt_at": "2026-11-26T10:00:40+00:00",
                  "attempts": [{"number": 1, "at": "2026-11-26T10:00:10+00:00", "duration_ms": 212,
                                "status_code": 503, "error": "HTTP 503"}]}]})


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
    return netguard.check_url(url, allow_private=current_settings().import_allow_private)


@bp.post("/webhooks")
@operation("Register a webhook receiver", tags=["webhooks"], description=ADMIN_ONLY,
           request={"type": "object", "required": ["url", "events"], "properties": {
               "url": {"type": "string", "maxLength": 2000,
                       "description": "http(s), no credentials, a public address (unless imports may reach private ones)."},
               "events": {"type": "array", "items": EVENT, "minItems": 1}},
               "examples": [{"url": "https://hooks.example.org/videodesk", "events": ["video.ready"]}]},
           responses={201: Reply("Registered; keep the secret", WEBHOOK_CREATED, links={
               name: link(f"api_{name}", webhook_id="$response.body#/id")
               for name in ("list_deliveries", "delete_webhook")})},
           errors=["missing_field", "invalid_field"])
@require_role("admin")
def create_webhook():
    hook = webhooks.create_webhook(g.user, json_body(), address_problem)
    return {**webhook_json(hook), "secret": hook.secret}, 201


@bp.get("/webhooks")
@operation("The webhooks", tags=["webhooks"], description=ADMIN_ONLY, responses={200: {
    "type": "object", "required": ["webhooks"], "additionalProperties": False,
    "properties": {"webhooks": {"type": "array", "items": WEBHOOK}}}})
@require_role("admin")
def list_webhooks():
    return {"webhooks": [webhook_json(hook) for hook in webhooks.all_webhooks()]}


@bp.delete("/webhooks/<webhook_id>")
@operation("Delete a webhook and its deliveries", tags=["webhooks"], description=ADMIN_ONLY,
           responses={204: None})
@require_role("admin")
def delete_webhook(webhook_id):
    webhooks.delete_webhook(g.user, webhooks.webhook_by_id(webhook_id))
    return "", 204


@bp.get("/webhooks/<webhook_id>/deliveries")
@operation("A webhook's deliveries and their attempts, newest first", tags=["webhooks"],
           description=ADMIN_ONLY, responses={200: {
               "type": "object", "required": ["deliveries"], "additionalProperties": False,
               "properties": {"deliveries": {"type": "array", "maxItems": webhooks.DELIVERIES_LISTED,
                                             "items": DELIVERY}}}})
@require_role("admin")
def list_deliveries(webhook_id):
    hook = webhooks.webhook_by_id(webhook_id)
    return {"deliveries": [delivery_json(d) for d in webhooks.deliveries(hook)]}


@bp.post("/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver")
@operation("Send a delivery again now, with a fresh run of retries", tags=["webhooks"],
           description=ADMIN_ONLY + " The same id, body and signature are sent again.",
           responses={202: Reply("Queued", DELIVERY)})
@require_role("admin")
def redeliver(webhook_id, delivery_id):
    delivery = webhooks.delivery_of(webhooks.webhook_by_id(webhook_id), delivery_id)
    webhooks.redeliver(g.user, delivery)
    return delivery_json(delivery), 202
