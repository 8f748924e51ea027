"""Webhook deliveries end to end: a real web server and queue worker, receivers on 127.0.0.1
(private addresses allowed for this instance only), signatures checked with the secret, retries
with backoff visible in the deliveries API, redelivery, and a slow receiver cut off in time."""
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest
import requests

from .helpers import post_video
from .servers import Instance, wait_until

pytestmark = pytest.mark.server


class Receiver(http.server.ThreadingHTTPServer):
    """Records every POST; answers each path from its list of statuses (then 200)."""

    daemon_threads = True

    def __init__(self):
        self.received, self.statuses, self.delays = [], {}, {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                self.received.append((handler.path, dict(handler.headers), body, time.monotonic()))
                time.sleep(self.delays.get(handler.path, 0))
                planned = self.statuses.get(handler.path) or [200]
                status = planned.pop(0) if len(planned) > 1 else planned[0]
                handler.send_response(status)
                handler.send_header("Content-Length", "0")
                handler.end_headers()

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"

    def at(self, path):
        return [entry for entry in self.received if entry[0] == path]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("webhooks")
    instance = Instance(folder, VIDEODESK_IMPORT_ALLOW_PRIVATE="1", VIDEODESK_WEBHOOK_BACKOFF_S="1",
                        VIDEODESK_WEBHOOK_TIMEOUT_S="1")
    instance.serve()
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    instance.receiver = receiver
    yield instance
    receiver.shutdown()
    instance.stop()


def _register(site, path, events):
    answer = requests.post(site.base + "/api/webhooks", headers=site.headers["admin"], timeout=10,
                           json={"url": site.receiver.base + path, "events": events})
    assert answer.status_code == 201, answer.text
    return answer.json()


def _deliveries(site, hook):
    return requests.get(f"{site.base}/api/webhooks/{hook['id']}/deliveries", headers=site.headers["admin"],
                        timeout=10).json()["deliveries"]


def test_signed_deliveries_retries_redelivery_and_timeouts(site, clips):
    receiver = site.receiver
    ready_hook = _register(site, "/ready", ["video.ready", "video.playable"])
    receiver.statuses["/flaky"] = [500, 500, 200]
    flaky_hook = _register(site, "/flaky", ["story.published"])
    receiver.delays["/slow"] = 4
    slow_hook = _register(site, "/slow", ["story.unpublished"])

    video_id = post_video(site, clips["clip"], captions=clips["srt"]).json()["id"]
    wait_until(lambda: len(receiver.at("/ready")) == 2, timeout=90, what="video.playable and video.ready")
    events = {}
    for _path, headers, body, _at in receiver.at("/ready"):
        expected = "sha256=" + hmac.new(ready_hook["secret"].encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Videodesk-Signature"], expected)
        payload = json.loads(body)
        assert set(payload) == {"id", "event", "created_at", "data"}
        assert headers["X-Videodesk-Delivery"] == payload["id"] and headers["Content-Type"] == "application/json"
        events[payload["event"]] = payload["data"]
    assert events["video.ready"]["id"] == video_id and events["video.ready"]["status"] == "ready"
    assert set(events) == {"video.playable", "video.ready"}
    # Sent at the quick version's moment, before the ladder: the video was still processing.
    assert events["video.playable"]["id"] == video_id and events["video.playable"]["status"] == "processing"

    story = requests.post(site.base + "/api/stories", headers=site.headers["editor"], timeout=10, json={
        "headline": "Storm closes the harbour", "body": "Text.", "video_id": video_id, "status": "published"}).json()
    wait_until(lambda: len(receiver.at("/flaky")) == 3, timeout=30, what="two failures and a retry that succeeds")
    attempts = receiver.at("/flaky")
    assert len({body for _p, _h, body, _a in attempts}) == 1  # the same delivery, body and signature each time
    assert attempts[2][3] - attempts[1][3] > attempts[1][3] - attempts[0][3] > 0.15  # backing off
    [delivery] = wait_until(lambda: [d for d in _deliveries(site, flaky_hook) if d["status"] == "delivered"],
                            timeout=10, what="the delivery marked delivered")
    assert [(a["number"], a["status_code"]) for a in delivery["attempts"]] == [(1, 500), (2, 500), (3, 200)]
    assert all(a["duration_ms"] >= 0 and a["at"] for a in delivery["attempts"])
    assert json.loads(attempts[0][2])["data"]["slug"] == story["slug"]

    redelivered = requests.post(f"{site.base}/api/webhooks/{flaky_hook['id']}/deliveries/{delivery['id']}/redeliver",
                                headers=site.headers["admin"], timeout=10)
    assert redelivered.status_code == 202
    wait_until(lambda: len(receiver.at("/flaky")) == 4, timeout=20, what="the redelivery")
    assert receiver.at("/flaky")[3][2] == attempts[0][2]

    # A receiver that takes longer than the time limit is cut off; the attempt is a failure to retry.
    requests.patch(f"{site.base}/api/stories/{story['id']}", headers=site.headers["editor"], timeout=10,
                   json={"status": "draft"})
    [slow] = wait_until(lambda: [d for d in _deliveries(site, slow_hook) if d["attempts"]], timeout=20,
                        what="an attempt at the slow receiver")
    first = slow["attempts"][0]
    assert first["status_code"] is None and "no answer within 1 s" in first["error"] and first["duration_ms"] < 2500
    assert slow["status"] == "pending" and slow["next_attempt_at"]
