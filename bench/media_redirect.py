"""The cost of a media redirect (S3 store: /media/<id>/video.mp4 answers 302 to the bucket) against
serving the file (local store: send_file of a 64 KiB range) and a static file, all by gunicorn in
the same run, measured with wrk on loopback (wrk does not follow redirects, so the redirect itself
is measured). The bucket is a moto_server. Usage: python -m bench.media_redirect [seconds]"""
import os
import re
import sys
import tempfile
from pathlib import Path

import requests

from bench.reader import wrk
from tests.s3server import ACCESS_KEY, SECRET_KEY, s3_server
from tests.servers import Instance

RANGE = "bytes=0-65535"


def demo_mp4(site) -> str:
    html = requests.get(site.base + "/stories/welcome-to-videodesk", timeout=30).text
    return re.search(r'<source src="([^"]+)" type="video/mp4">', html).group(1)


def start(folder: Path, **env) -> Instance:
    site = Instance(folder, **env)
    site.flask("db-upgrade")
    site.flask("storage-setup")
    site.flask("seed-demo")
    site.start_web()
    return site


def main(seconds: int = 10):
    root = Path(tempfile.mkdtemp(prefix="bench-redirect-"))
    with s3_server(root / "moto.log") as endpoint:
        local = start(root / "local")
        s3 = start(root / "s3", VIDEODESK_S3_BUCKET="bench-media", VIDEODESK_S3_ENDPOINT_URL=endpoint,
                   VIDEODESK_S3_PATH_STYLE="1", AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        try:
            static = local.base + "/static/site.css"
            served, redirected = local.base + demo_mp4(local), s3.base + demo_mp4(s3)
            assert requests.get(redirected, allow_redirects=False, timeout=10).status_code == 302
            assert requests.get(served, headers={"Range": RANGE}, timeout=10).status_code == 206
            for url in (static, served, redirected):
                wrk(url, 2)  # warm up
            results = {"static file (baseline)": wrk(static, seconds),
                       "media file, 64 KiB range (local)": wrk(served, seconds, ["-H", f"Range: {RANGE}"]),
                       "media redirect 302 (S3)": wrk(redirected, seconds)}
        finally:
            local.stop()
            s3.stop()
    for name, (rps, p99, _errors) in results.items():
        print(f"{name:34s} {rps:8.0f} requests/s   p99 {p99:6.1f} ms")
    base = results["static file (baseline)"][0]
    for name in list(results)[1:]:
        print(f"{name} / static: {results[name][0] / base:.2f}x")
    print(f"(cpu count {os.cpu_count()}, {seconds} s each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
