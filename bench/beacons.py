"""A burst of playback beacons must not slow the article: the demo article's throughput and p99 with
wrk alone, then again while a second wrk posts beacons at the rate of 10,000 views a minute (4 beacons
a view, all to the same video: the worst case for row contention), in the same run; then the
database rows that 10,000 views cost. Targets: with beacons >= 0.7x the article alone, p99 < 50 ms,
no errors, every view counted. Usage: python -m bench.beacons [seconds]"""
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.reader import wrk
from tests.servers import Instance, wait_until
from videodesk.newsroom.playback import beacons, sums

ARTICLE = "/stories/welcome-to-videodesk"
VIEWS_PER_MINUTE = 10_000
FLUSH_S = 5.0  # VIDEODESK_ANALYTICS_FLUSH_S's default
BEACON_CONNECTIONS = 32


def view_beacons(video_id: str) -> list[dict]:
    """What the player sends for a reader who watches 45 s of a 90 s video: the first frame, two
    reports every 15 s, and the last one when the page goes."""
    base = {"video": video_id, "surface": "article"}
    return [{**base, "view": True, "startup_ms": 640},
            {**base, "watch_ms": 15000, "seen": list(range(17)), "heights": [[720, 15000]]},
            {**base, "watch_ms": 15000, "seen": list(range(17, 34)), "heights": [[720, 15000]]},
            {**base, "watch_ms": 15000, "seen": list(range(34, 50)), "heights": [[720, 15000]], "stall_ms": 400,
             "stalls": 1}]


def beacon_script(folder: Path, bodies: list[dict], pause_ms: float) -> Path:
    """A wrk script that cycles through a view's beacons, each connection pausing `pause_ms`
    between its requests."""
    script = folder / "beacons.lua"
    script.write_text(
        "local bodies = {" + ", ".join(json.dumps(json.dumps(body, separators=(",", ":"))) for body in bodies) + "}\n"
        "local n = 0\nwrk.method = 'POST'\nwrk.headers['Content-Type'] = 'application/json'\n"
        "request = function() n = n % #bodies + 1; return wrk.format(nil, '/beacon', nil, bodies[n]) end\n"
        f"delay = function() return {pause_ms:.1f} end\n")
    return script


def send_beacons(site, folder: Path, bodies: list[dict], seconds: int, pause_ms: float):
    """wrk posting beacons for `seconds`: (requests/s, p99 ms, errors)."""
    script = beacon_script(folder, bodies, pause_ms)
    return wrk(site.base + "/beacon", seconds, ["-t1", f"-c{BEACON_CONNECTIONS}", "-s", str(script)])


def calibrated_pause(site, folder: Path, bodies: list[dict]) -> tuple[float, float]:
    """(pause in ms, requests/s of the calibration run): a 3-second run measures the answer time under
    this load, and the pause is set so that the connections together send VIEWS_PER_MINUTE views'
    beacons a minute (rate = connections / (pause + answer time))."""
    target = VIEWS_PER_MINUTE / 60 * len(bodies)
    first = 1000 * BEACON_CONNECTIONS / target
    rate = send_beacons(site, folder, bodies, 3, first)[0]
    return max(0.0, first - (1000 * BEACON_CONNECTIONS / rate - first)), rate


def rows_per_10000_views(video_id: str) -> tuple[int, int]:
    """(row upserts per web process, beacons) for 10,000 views arriving over a minute, with the sums
    written every FLUSH_S seconds: the same Sums code as the server, counted without a database."""
    flushes = int(60 / FLUSH_S)
    per_flush = VIEWS_PER_MINUTE // flushes
    bodies = [beacons.parse(body) for body in view_beacons(video_id)]
    rows = 0
    for flush in range(flushes):
        batch = sums.Sums()
        for _ in range(per_flush):
            for beacon in bodies:
                batch.add(beacon, minute=int(flush * FLUSH_S // 60))
        rows += len(batch.minutes) + len(batch.bins)
    return rows, VIEWS_PER_MINUTE * len(bodies)


def web_cpu_seconds(site) -> float:
    """CPU time (user + system) used so far by gunicorn's worker processes: what each request costs,
    however busy the shared machine's other tenants keep the cores."""
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{site.web.pid}/task/{site.web.pid}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def cpu_per_request(site, seconds: int, run) -> tuple[float, tuple]:
    """(ms of web CPU per request, wrk's result) of a wrk `run` lasting `seconds`."""
    before = web_cpu_seconds(site)
    result = run()
    used = web_cpu_seconds(site) - before
    return 1000 * used / max(1.0, result[0] * seconds), result


def counted_views(site) -> int:
    with sqlite3.connect(site.data_dir / "videodesk.db") as connection:
        return connection.execute("SELECT coalesce(sum(views), 0) FROM playback_minutes").fetchone()[0]


def main(seconds: int = 10):
    folder = Path(tempfile.mkdtemp(prefix="bench-beacons-"))
    site = Instance(folder / "data", VIDEODESK_ANALYTICS_FLUSH_S=str(FLUSH_S))
    site.flask("db-upgrade")
    site.flask("seed-demo")
    site.start_web()
    try:
        article = site.base + ARTICLE
        html = requests.get(article, timeout=10).text
        video_id = html.split('data-video-id="', 1)[1].split('"', 1)[0]
        bodies = view_beacons(video_id)
        wrk(article, 2)  # warm every worker's page cache
        article_cpu_ms, alone = cpu_per_request(site, seconds, lambda: wrk(article, seconds))
        pause_ms, calibration_rps = calibrated_pause(site, folder, bodies)
        beacon_cpu_ms, beacons_alone = cpu_per_request(site, 3, lambda: send_beacons(site, folder, bodies, 3, pause_ms))
        load = {}
        sender = threading.Thread(target=lambda: load.update(result=send_beacons(site, folder, bodies, seconds + 2, pause_ms)))
        sender.start()
        time.sleep(1)  # the beacons are flowing before the article is measured
        with_beacons = wrk(article, seconds)
        sender.join()
        alone_after = wrk(article, seconds)  # the shared machine's load moves: alone before and after
        beacon_rps, beacon_p99, beacon_errors = load["result"]
        # Both runs' views (calibration and load), from wrk's rates: about, not exactly, what was sent.
        sent_views = round(((calibration_rps + beacons_alone[0]) * 3 + beacon_rps * (seconds + 2)) / len(bodies))
        views = wait_until(lambda: (lambda n: n >= sent_views * 0.98 and n)(counted_views(site)),
                           timeout=3 * FLUSH_S + 10, what="the web processes to write their sums")
        with sqlite3.connect(site.data_dir / "videodesk.db") as connection:
            stored = sum(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                         for table in ("playback_minutes", "playback_bins"))
    finally:
        site.stop()
    rows, beacon_count = rows_per_10000_views(video_id)
    for name, (rps, p99, errors) in (("article alone", alone), ("article with beacons", with_beacons),
                                     ("article alone again", alone_after)):
        print(f"{name:22s} {rps:8.0f} requests/s   p99 {p99:6.1f} ms   errors {errors}")
    alone_rps = (alone[0] + alone_after[0]) / 2
    print(f"beacons                {beacon_rps:8.0f} requests/s   p99 {beacon_p99:6.1f} ms   errors {beacon_errors}   "
          f"= {beacon_rps / len(bodies) * 60:,.0f} views a minute (target {VIEWS_PER_MINUTE:,}; "
          f"{BEACON_CONNECTIONS} connections pausing {pause_ms:.0f} ms)")
    print(f"with/alone (mean of both): {with_beacons[0] / alone_rps:.2f}x (target >= 0.7x); p99 with beacons {with_beacons[1]:.1f} ms "
          f"(target < 50 ms); views counted {views} of about {sent_views} sent")
    per_second = VIEWS_PER_MINUTE / 60 * len(bodies)
    print(f"web CPU per request: article {article_cpu_ms:.2f} ms, beacon {beacon_cpu_ms:.2f} ms; beacons of "
          f"{VIEWS_PER_MINUTE:,} views a minute = {per_second:.0f}/s x {beacon_cpu_ms:.2f} ms = "
          f"{per_second * beacon_cpu_ms / 1000:.2f} of one core")
    print(f"rows in the database after the run: {stored}; row upserts per 10,000 views (one web process, "
          f"{FLUSH_S:g} s flushes): {rows}, against {beacon_count:,} beacons")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
