"""Reader page throughput: a cached article page vs a static file, served by the same gunicorn in
the same run, measured with wrk on loopback. Targets: article >= 0.5x the static file's requests
per second, and p99 latency under 50 ms. Usage: python -m bench.reader [seconds]"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.servers import Instance

CONNECTIONS = 16


def wrk(url: str, seconds: int, extra=()) -> tuple[float, float, int]:
    """(requests per second, p99 latency in ms, failed requests: socket errors and non-2xx/3xx answers);
    `extra` are more wrk arguments (headers)."""
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", *extra, url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    bad_status = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = sum(map(int, socket_errors.groups())) if socket_errors else 0
    return rps, float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], errors + int(bad_status.group(1) if bad_status else 0)


def main(seconds: int = 10):
    site = Instance(Path(tempfile.mkdtemp(prefix="bench-reader-")))
    site.flask("db-upgrade")
    site.flask("seed-demo")
    site.start_web()
    try:
        article, static = site.base + "/stories/welcome-to-videodesk", site.base + "/static/site.css"
        wrk(article, 2)  # warm every worker's page cache
        results = {name: wrk(url, seconds) for name, url in (("static file", static), ("article page", article))}
    finally:
        site.stop()
    for name, (rps, p99, _errors) in results.items():
        print(f"{name:14s} {rps:8.0f} requests/s   p99 {p99:6.1f} ms   ({CONNECTIONS} connections, {seconds} s)")
    ratio = results["article page"][0] / results["static file"][0]
    print(f"article/static: {ratio:.2f}x (target >= 0.5x); article p99 {results['article page'][1]:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
