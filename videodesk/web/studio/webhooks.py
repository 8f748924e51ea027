"""Webhooks (admins): register receivers, see each delivery's attempts, redeliver."""
from flask import g, redirect, render_template, request, url_for

from videodesk.core.errors import DomainError
from videodesk.core.settings import current_settings
from videodesk.ingest import netguard
from videodesk.newsroom import webhooks
from videodesk.web.access import require_role
from videodesk.web.csrf import check_csrf
from videodesk.web.studio import bp


def _address_problem(url: str) -> str:
    return netguard.check_url(url, allow_private=current_settings().import_allow_private)


@bp.route("/webhooks", methods=["GET", "POST"])
@require_role("admin")
def webhooks_page():
    error = created = None
    if request.method == "POST":
        check_csrf()
        try:
            if request.form.get("action") == "delete":
                webhooks.delete_webhook(g.user, webhooks.webhook_by_id(request.form.get("webhook", "")))
            else:
                created = webhooks.create_webhook(
                    g.user, {"url": request.form.get("url"), "events": request.form.getlist("events")}, _address_problem)
        except DomainError as exc:
            error = exc.message
    return render_template("studio/webhooks.html", user=g.user, hooks=webhooks.all_webhooks(), events=webhooks.EVENTS,
                           created=created, error=error), 400 if error else 200


@bp.get("/webhooks/<webhook_id>")
@require_role("admin")
def webhook_deliveries(webhook_id):
    hook = webhooks.webhook_by_id(webhook_id)
    return render_template("studio/webhook_deliveries.html", user=g.user, hook=hook, deliveries=webhooks.deliveries(hook))


@bp.post("/webhooks/<webhook_id>/redeliver")
@require_role("admin")
def redeliver_webhook(webhook_id):
    check_csrf()
    hook = webhooks.webhook_by_id(webhook_id)
    webhooks.redeliver(g.user, webhooks.delivery_of(hook, request.form.get("delivery", "")))
    return redirect(url_for("studio.webhook_deliveries", webhook_id=hook.id))
