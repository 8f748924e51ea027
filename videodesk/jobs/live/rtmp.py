"""RTMP ingest: nginx with Debian's RTMP module (libnginx-mod-rtmp), a real live server that OBS,
vMix and hardware encoders talk to. nginx asks the ingest service (`on_publish`, an HTTP call to
127.0.0.1) whether a stream key may publish before it accepts the stream, and tells it when the
publisher leaves (`on_publish_done`); a refused key gets no stream. The packager then plays the
stream from nginx on 127.0.0.1 (play is refused to every other address). nginx refuses a second
publisher of the same name itself, and the service refuses one key on RTMP and SRT at once."""
import os
import shutil
from pathlib import Path

MODULE_PATHS = ("/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/lib64/nginx/modules/ngx_rtmp_module.so")
APP = "live"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def rtmp_module() -> str | None:
    return next((path for path in MODULE_PATHS if os.path.exists(path)), None)


def nginx_config(*, folder: Path, module: str, host: str, port: int, callback_port: int, control_port: int) -> str:
    """nginx.conf for one ingest node: everything (pid, logs, temp files) inside `folder`."""
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    callback = f"http://127.0.0.1:{callback_port}"
    return f"""# Written by videodesk's ingest service at start-up (videodesk/jobs/live/rtmp.py); do not edit.
load_module {module};
daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 512; }}
rtmp {{
    server {{
        listen {listen};
        chunk_size 4096;
        ping 10s;
        ping_timeout 10s;
        application {APP} {{
            live on;
            record off;
            drop_idle_publisher 10s;
            idle_streams off;
            on_publish {callback}/rtmp/publish;
            on_publish_done {callback}/rtmp/done;
            allow publish all;
            allow play 127.0.0.1;
            deny play all;
        }}
    }}
}}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{control_port};
        location /control {{ rtmp_control all; }}
    }}
}}
"""


def play_url(port: int, stream_key: str) -> str:
    """Where the packager reads a publishing stream (nginx on this machine)."""
    return f"rtmp://127.0.0.1:{port}/{APP}/{stream_key}"


def drop_url(control_port: int, stream_key: str) -> str:
    """nginx-rtmp's control call that disconnects the publisher of a stream."""
    return f"http://127.0.0.1:{control_port}/control/drop/publisher?app={APP}&name={stream_key}"
