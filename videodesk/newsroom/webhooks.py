"""Webhooks: receivers that admins register, and the events they hear about.

Emitting an event writes one `WebhookDelivery` row per subscribed webhook in the caller's
transaction (an outbox, core/outbox.py), with the exact JSON body that will be signed and sent;
after the commit the queue sends it (jobs/webhooks.py) and retries with backoff. This module only
keeps the rows: who is subscribed, which attempt is due, what each attempt got back."""
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from videodesk.core import db, links, outbox
from videodesk.core.errors import Invalid, NotFound
from videodesk.core.ids import is_random_id, random_id
from videodesk.core.jobnames import JobName
from videodesk.core.models import Story, Video, Webhook, WebhookAttempt, WebhookDelivery, utcnow
from videodesk.core.validation import text_field
from videodesk.newsroom import audit

EVENTS = ("video.playable", "video.ready", "video.failed", "story.published", "story.unpublished",
          "live.started", "live.ended", "live.recording_ready")
# Delays between attempts, as multiples of the configured base (10 s): 10 s, 30 s, 2 min, 10 min,
# 30 min, 1 h, 2 h, 4 h, 8 h, 8 h: eleven attempts over about 24 hours.
BACKOFF_FACTORS = (1, 3, 12, 60, 180, 360, 720, 1440, 2880, 2880)
# An attempt holds its delivery this long (well past the request's time limit), so a second copy
# of the task, or the sweep, leaves it alone; if the worker dies the delivery is due again after it.
CLAIM_S = 120
DELIVERIES_LISTED = 100


def sign(secret: str, body: bytes) -> str:
    """The X-Videodesk-Signature value: HMAC-SHA256 of the raw body, keyed with the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delays(base_s: float) -> list[float]:
    return [base_s * factor for factor in BACKOFF_FACTORS]


def create_webhook(user, data: dict, address_problem: Callable[[str], str]) -> Webhook:
    """`address_problem(url)` is the network policy's verdict ('' when allowed); the policy lives in
    ingest/netguard.py, above this layer, so the caller passes it in."""
    url = text_field(data, "url", required=True, max_length=2000)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number in range)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("'url' must be an http:// or https:// URL.")
    if parts.username or parts.password:
        raise Invalid("'url' must not contain a user name or password; authenticate with the signature.")
    problem = address_problem(url)
    if problem:
        raise Invalid(f"'url' cannot receive webhooks: {problem}")
    events = data.get("events")
    if not isinstance(events, list) or not events or not all(isinstance(e, str) and e in EVENTS for e in events):
        raise Invalid(f"'events' must be a non-empty list of: {', '.join(EVENTS)}.")
    hook = Webhook(id=random_id(), url=url, events=[e for e in EVENTS if e in events], secret=secrets.token_hex(32),
                   created_by=user.id if user else None)
    db.session().add(hook)
    audit.record(user, "webhook_create", f"webhook:{hook.id}", url=links.origin(url), events=hook.events)
    db.session().commit()
    return hook


def all_webhooks() -> list[Webhook]:
    return list(db.session().scalars(select(Webhook).order_by(Webhook.created_at)))


def webhook_by_id(webhook_id: str) -> Webhook:
    hook = db.session().get(Webhook, webhook_id) if is_random_id(webhook_id) else None
    if hook is None:
        raise NotFound("No such webhook.")
    return hook


def delete_webhook(user, hook: Webhook):
    audit.record(user, "webhook_delete", f"webhook:{hook.id}", url=links.origin(hook.url))
    db.session().delete(hook)
    db.session().commit()


def deliveries(hook: Webhook, limit: int = DELIVERIES_LISTED) -> list[WebhookDelivery]:
    """The latest first, with their attempts."""
    return list(db.session().scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                                     .order_by(WebhookDelivery.created_at.desc()).limit(limit)))


def delivery_of(hook: Webhook, delivery_id: str) -> WebhookDelivery:
    delivery = db.session().get(WebhookDelivery, delivery_id) if is_random_id(delivery_id) else None
    if delivery is None or delivery.webhook_id != hook.id:
        raise NotFound("No such delivery.")
    return delivery


def emit(event: str, data: dict):
    """Queue `event` for every webhook subscribed to it, in the caller's transaction (the caller commits)."""
    session = db.session()
    created_at = utcnow()
    for hook in session.scalars(select(Webhook)):
        if event not in hook.events:
            continue
        delivery_id = random_id()
        body = json.dumps({"id": delivery_id, "event": event, "created_at": created_at.isoformat(), "data": data},
                          ensure_ascii=False, separators=(",", ":"))
        session.add(WebhookDelivery(id=delivery_id, webhook_id=hook.id, event=event, body=body, status="pending",
                                    run_attempts=0, next_attempt_at=created_at))
        outbox.declare(session, outbox.Job(JobName.DELIVER_WEBHOOK, (delivery_id,)))


def video_data(video: Video) -> dict:
    """The essentials of the video's API JSON (GET the `url` for the rest)."""
    return {"id": video.id, "title": video.title, "status": video.status, "error": video.error,
            "duration": video.duration, "width": video.width, "height": video.height,
            "url": f"/api/videos/{video.id}"}


def story_data(story: Story) -> dict:
    return {"id": story.id, "slug": story.slug, "url": f"/stories/{story.slug}", "headline": story.headline,
            "dek": story.dek, "byline": story.byline, "section": story.section, "language": story.language,
            "status": story.status, "published_at": story.published_at.isoformat() if story.published_at else None,
            "scheduled": story.is_scheduled, "video_id": story.video_id, "live_id": story.live_id}


def announce(effect: outbox.VideoEvent):
    """video.playable, video.ready or video.failed, as the video's lifecycle declared it: its
    deliveries are written in the transaction of the change (outbox handler, in_transaction)."""
    video = db.session().get(Video, effect.video_id)
    if video is not None:
        emit(effect.event, video_data(video))


def story_status_changed(story: Story, before: str):
    if story.status == before:
        return
    db.session().flush()  # a new story gets its id
    emit("story.published" if story.status == "published" else "story.unpublished", story_data(story))


def claim(delivery_id: str) -> WebhookDelivery | None:
    """Take a due delivery for one attempt; None when it is done, not yet due or another worker has it."""
    session = db.session()
    now = utcnow()
    taken = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= now)
        .values(next_attempt_at=now + timedelta(seconds=CLAIM_S)))
    session.commit()
    return session.get(WebhookDelivery, delivery_id) if taken.rowcount == 1 else None


def record_attempt(delivery: WebhookDelivery, *, status_code: int | None, error: str | None, duration_ms: int,
                   backoff_s: float) -> float | None:
    """Keep the attempt's outcome; returns the delay before the next attempt, or None when there is none
    (delivered, or out of attempts: failed)."""
    session = db.session()
    number = 1 + (session.scalar(select(WebhookAttempt.number).where(WebhookAttempt.delivery_id == delivery.id)
                                 .order_by(WebhookAttempt.number.desc()).limit(1)) or 0)
    session.add(WebhookAttempt(delivery_id=delivery.id, number=number, duration_ms=duration_ms,
                               status_code=status_code, error=error))
    delivery.run_attempts += 1
    delays = retry_delays(backoff_s)
    delay = None
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.next_attempt_at = "delivered", None
    elif delivery.run_attempts > len(delays):
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delay = delays[delivery.run_attempts - 1]
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
    session.commit()
    return delay


def redeliver(user, delivery: WebhookDelivery):
    """Send the same delivery (same id, body and signature) again now, with a fresh run of retries."""
    delivery.status, delivery.run_attempts, delivery.next_attempt_at = "pending", 0, utcnow()
    audit.record(user, "webhook_redeliver", f"webhook:{delivery.webhook_id}", delivery=delivery.id)
    outbox.declare(db.session(), outbox.Job(JobName.DELIVER_WEBHOOK, (delivery.id,)))
    db.session().commit()


def overdue(grace_s: float = 60) -> list[str]:
    """Pending deliveries due for longer than `grace_s`: their queue task was lost (or their worker died)."""
    cutoff = utcnow() - timedelta(seconds=grace_s)
    return list(db.session().scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at < cutoff).limit(500)))
