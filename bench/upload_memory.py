"""Memory under a 2 GB resumable upload: the server's RSS growth must stay under 150 MB because
PATCH bodies stream to disk in 1 MiB chunks. The body is generated on the fly (zeros), sent in one
PATCH to a real gunicorn; RSS of all its processes is sampled while it runs.
Usage: python -m bench.upload_memory [gigabytes]"""
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from tests.servers import Instance

CHUNK = 4 * 1024 * 1024


class Zeros:
    """A file-like body of `size` zero bytes that never exists in memory at once."""

    def __init__(self, size: int):
        self.size, self.sent = size, 0
        self.block = bytes(CHUNK)

    def __len__(self):
        return self.size

    def read(self, n=-1):
        n = CHUNK if n is None or n < 0 else min(n, CHUNK)
        n = min(n, self.size - self.sent)
        self.sent += n
        return self.block[:n]


def rss_mb(pids) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def server_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def main(gigabytes: float = 2.0):
    size = int(gigabytes * 1024 ** 3)
    site = Instance(Path(tempfile.mkdtemp(prefix="bench-upload-")), VIDEODESK_MAX_UPLOAD_MB=str(int(gigabytes * 1024) + 64))
    site.flask("db-upgrade")
    token = site.flask("create-token", "--role", "producer", "--name", "bench").stdout.strip().splitlines()[-1]
    site.start_web()
    headers = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    try:
        requests.get(site.base + "/healthz", timeout=5)
        pids = server_pids(site.web.pid)
        before = rss_mb(pids)
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb(pids))
                time.sleep(0.1)

        threading.Thread(target=sample, daemon=True).start()
        location = requests.post(site.base + "/api/uploads/", headers={**headers, "Upload-Length": str(size)},
                                 timeout=30).headers["Location"]
        started = time.perf_counter()
        response = requests.patch(site.base + location, data=Zeros(size), timeout=3600, headers={
            **headers, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        elapsed = time.perf_counter() - started
        done.set()
        assert response.status_code == 204 and int(response.headers["Upload-Offset"]) == size, response.text
    finally:
        site.stop()
    growth = peak[0] - before
    print(f"uploaded {size / 1024 ** 3:.1f} GiB in one PATCH in {elapsed:.1f} s ({size / elapsed / 1e6:.0f} MB/s, "
          f"SHA-256 included)")
    print(f"server RSS (all gunicorn processes): {before:.0f} MB before, {peak[0]:.0f} MB peak")
    print(f"RSS growth: {growth:.0f} MB (target < 150 MB)")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
