"""Every periodic huey task runs once against a real data folder without an error (docs/SECURITY.md,
third review, finding 13). The tasks are read from huey's registry, so a new one is covered at once."""
import os
import time

from videodesk.core import storage
from videodesk.jobs.queue import EXTENSION as QUEUE_EXTENSION

from .helpers import make_app, make_tokens, tus_create


def test_every_periodic_task_runs_once_on_a_real_data_folder(tmp_path):
    app = make_app(tmp_path / "data")
    tokens = make_tokens(app, [("pat", "producer")])
    client = app.test_client()
    tus_create(client, tokens["pat"], 1000)
    with app.app_context():
        tmp = storage.tmp_dir()
        tmp.mkdir(parents=True, exist_ok=True)
        stale, fresh = tmp / "part-stale", tmp / "part-fresh"
        stale.write_bytes(b"left by a killed worker")
        fresh.write_bytes(b"a request still being read")
        long_ago = time.time() - 2 * 3600
        os.utime(stale, (long_ago, long_ago))
        meta = next((storage.data_dir() / "resumable").glob("*.json"))
        meta.write_text(meta.read_text().replace('"expires": ', '"expires": 1, "was": '))

    huey = app.extensions[QUEUE_EXTENSION].huey
    tasks = huey._registry.periodic_tasks
    assert {"videodesk.remove_expired_uploads", "videodesk.recover_stalled"} <= {task.name for task in tasks}
    for task in tasks:
        task.execute()  # raises what the task raises

    assert not stale.exists() and fresh.exists()
    assert not meta.exists()  # the expired upload is gone
