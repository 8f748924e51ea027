"""URL import cannot be turned against the newsroom's own network or disk (security review).

Two real HTTP servers on loopback: a "public" site on 127.0.0.2 (the guard is told to treat that
one address as public, through netguard's explicit `also_public` hook) and an "internal" service
on 127.0.0.1. Each hostile source lives on the public site and points at the internal one (or at a
local file); the internal server must receive no request and nothing may be imported."""
import subprocess
import threading

import pytest

from videodesk.ingest import netguard, url_import
from videodesk.media.runner import MediaError

from .helpers import FileServer

PUBLIC, INTERNAL = "127.0.0.2", "127.0.0.1"
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """A short VOD HLS rendition (playlist + .ts segments) and a local MP4, made with ffmpeg."""
    folder = tmp_path_factory.mktemp("hls")
    sources = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2",
               "-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-c:a", "aac"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *sources, "-f", "hls", "-hls_time", "1",
                    "-hls_playlist_type", "vod", "-hls_segment_filename", str(folder / "seg%d.ts"),
                    str(folder / "index.m3u8")], check=True, timeout=60)
    subprocess.run(["ffmpeg", "-v", "error", "-y", *sources, "-f", "hls", "-hls_time", "1",
                    "-hls_playlist_type", "vod", "-hls_enc", "1", "-hls_enc_key", "0123456789abcdef",
                    "-hls_enc_key_url", "key.bin", "-hls_segment_filename", str(folder / "enc%d.ts"),
                    str(folder / "enc.m3u8")], check=True, timeout=60, cwd=folder)  # key.bin is written here
    subprocess.run(["ffmpeg", "-v", "error", "-y", *sources, str(folder / "secret.mp4")], check=True, timeout=60)
    return {"playlist": (folder / "index.m3u8").read_text(), "mp4": folder / "secret.mp4",
            "segments": {p.name: p.read_bytes() for p in sorted(folder.glob("seg*.ts"))},
            "encrypted": {p.name: p.read_bytes() for p in [*folder.glob("enc*.ts"), folder / "key.bin"]},
            "encrypted_playlist": (folder / "enc.m3u8").read_text()}


@pytest.fixture(autouse=True)
def ffmpeg_never_gets_a_url(monkeypatch):
    """Record every subprocess the import starts: ffmpeg/ffprobe may run on local files only."""
    started = []
    original = subprocess.Popen.__init__

    def recording_init(self, args, *rest, **kwargs):
        started.append([str(a) for a in (args if isinstance(args, (list, tuple)) else [args])])
        return original(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", recording_init)
    yield started
    for args in started:
        assert not any("://" in arg for arg in args), f"a subprocess was handed a URL: {args}"


@pytest.fixture
def sites(media):
    public, internal = FileServer(PUBLIC), FileServer(INTERNAL)
    for name, data in media["segments"].items():  # the internal service has real media too
        public.add(f"/vod/{name}", data, "video/mp2t")
        internal.add(f"/{name}", data, "video/mp2t")
    internal.add("/key.bin", b"0123456789abcdef")
    yield public, internal
    public.close()
    internal.close()


def _import(url, folder, **overrides):
    options = {"allow_private": False, "max_bytes": 10**8, "max_duration": 3600, "timeout": 5,
               "time_limit": 30, "also_public": {PUBLIC}, **overrides}
    return url_import.download(url, folder, **options)


def _refused(url, folder, internal, match):
    with pytest.raises(MediaError, match=match) as caught:
        _import(url, folder)
    assert internal.requests == [], "the internal service was reached"
    assert list(folder.iterdir()) == [], "something was left in the download folder"
    return str(caught.value)


def _media_playlist(segment_urls, head=""):
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1", "#EXT-X-MEDIA-SEQUENCE:0", head]
    for url in segment_urls:
        lines += ["#EXTINF:1.0,", url]
    return "\n".join(lines) + "\n"


M3U8 = "application/vnd.apple.mpegurl"


def test_vod_hls_on_a_public_site_imports(sites, media, tmp_path):
    public, internal = sites
    url = public.add("/vod/index.m3u8", media["playlist"], M3U8)
    path, credit = _import(url, tmp_path / "import")
    assert path.exists() and path.stat().st_size > sum(map(len, media["segments"].values())) // 2
    assert {f"/vod/{name}" for name in media["segments"]} <= set(public.requests)
    assert internal.requests == [] and credit["original_url"] == url


def test_aes128_hls_on_a_public_site_is_decrypted_natively(sites, media, tmp_path):
    """No pycryptodomex here: yt-dlp would hand this to ffmpeg; it is decrypted in Python instead."""
    public, internal = sites
    for name, data in media["encrypted"].items():
        public.add(f"/enc/{name}", data)
    url = public.add("/enc/enc.m3u8", media["encrypted_playlist"], M3U8)
    path, _ = _import(url, tmp_path / "import")
    assert b"ftyp" in path.read_bytes()[:16] and "/enc/key.bin" in public.requests  # decrypted, remuxed
    assert internal.requests == []


def test_aes128_hls_cannot_reach_the_internal_key_and_segments(sites, tmp_path):
    public, internal = sites
    playlist = _media_playlist([f"{internal.url}/seg0.ts", f"{internal.url}/seg1.ts"],
                               f'#EXT-X-KEY:METHOD=AES-128,URI="{internal.url}/key.bin"') + "#EXT-X-ENDLIST\n"
    url = public.add("/aes.m3u8", playlist, M3U8)
    _refused(url, tmp_path / "import", internal, "private or local address")


def test_sample_aes_hls_is_refused_not_handed_to_ffmpeg(sites, tmp_path):
    public, internal = sites
    playlist = _media_playlist([f"{internal.url}/seg0.ts"],
                               f'#EXT-X-KEY:METHOD=SAMPLE-AES,URI="{internal.url}/key.bin"') + "#EXT-X-ENDLIST\n"
    url = public.add("/sample-aes.m3u8", playlist, M3U8)
    _refused(url, tmp_path / "import", internal, "SAMPLE-AES")


def test_live_hls_without_endlist_is_refused(sites, tmp_path):
    public, internal = sites
    url = public.add("/live.m3u8", _media_playlist([f"{internal.url}/seg0.ts", f"{internal.url}/seg1.ts"]), M3U8)
    _refused(url, tmp_path / "import", internal, "live")


def test_live_dash_is_refused(sites, tmp_path):
    public, internal = sites
    mpd = f"""<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="2026-01-01T00:00:00Z"
     minimumUpdatePeriod="PT2S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="0" start="PT0S">
    <AdaptationSet mimeType="video/mp4" segmentAlignment="true">
      <Representation id="v" codecs="avc1.64000d" bandwidth="500000" width="320" height="180">
        <BaseURL>{internal.url}/dash/</BaseURL>
        <SegmentTemplate timescale="1" duration="1" startNumber="1"
                         initialization="init.mp4" media="seg$Number$.m4s"/>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"""
    url = public.add("/live.mpd", mpd, "application/dash+xml")
    _refused(url, tmp_path / "import", internal, "live")


def test_master_playlist_with_a_local_file_variant_imports_nothing(sites, media, tmp_path):
    public, internal = sites
    public.add("/vod/index.m3u8", media["playlist"], M3U8)
    master = "\n".join([
        "#EXTM3U",
        '#EXT-X-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
        media["mp4"].as_uri(),
        '#EXT-X-STREAM-INF:BANDWIDTH=300000,RESOLUTION=320x180,CODECS="avc1.64000d,mp4a.40.2"',
        "vod/index.m3u8", ""])
    url = public.add("/master.m3u8", master, M3U8)
    reason = _refused(url, tmp_path / "import", internal, "non-web address")
    assert "file:" not in reason and str(media["mp4"]) not in reason


def test_segments_on_the_internal_network_are_blocked_at_connect_time(sites, tmp_path):
    """A finished, unencrypted playlist whose segments sit on the internal service: the native
    downloader's connections are still held to the address policy."""
    public, internal = sites
    playlist = _media_playlist([f"{internal.url}/seg0.ts", f"{internal.url}/seg1.ts"]) + "#EXT-X-ENDLIST\n"
    url = public.add("/vod-internal.m3u8", playlist, M3U8)
    _refused(url, tmp_path / "import", internal, "private or local address")


def test_a_playlist_disguised_as_a_segment_is_not_imported(sites, tmp_path):
    public, internal = sites
    inner = _media_playlist([f"{internal.url}/seg0.ts"]) + "#EXT-X-ENDLIST\n"
    public.add("/vod/evil.ts", inner, "video/mp2t")
    url = public.add("/disguised.m3u8", _media_playlist(["vod/evil.ts"]) + "#EXT-X-ENDLIST\n", M3U8)
    _refused(url, tmp_path / "import", internal, "playlist or web page")


def test_download_is_bounded_in_time_and_bytes(sites, media, tmp_path):
    public, _internal = sites
    url = public.add("/vod/index.m3u8", media["playlist"], M3U8)
    with pytest.raises(MediaError, match="in time"):
        _import(url, tmp_path / "slow", time_limit=0)
    assert list((tmp_path / "slow").iterdir()) == []
    with pytest.raises(MediaError, match="larger than the upload limit"):
        _import(url, tmp_path / "big", max_bytes=20_000)
    assert list((tmp_path / "big").iterdir()) == []


@pytest.mark.parametrize("address, public", [
    ("::127.0.0.1", False), ("::ffff:127.0.0.1", False), ("::ffff:0:7f00:1", False),
    ("64:ff9b::7f00:1", False), ("64:ff9b::a00:1", False), ("64:ff9b:1::5db8:d822", False),
    ("2002:7f00:1::", False), ("2002:a00:1::1", False), ("2001:0:5db8:d822::80ff:fffe", False),
    ("::", False), ("::1", False),
    ("64:ff9b::5db8:d822", True), ("2002:5db8:d822::1", True), ("::ffff:93.184.216.34", True),
    ("2606:2800:220:1:248:1893:25c8:1946", True), ("93.184.216.34", True),
])
def test_ipv6_forms_of_private_addresses(address, public):
    assert netguard.is_public(address) is public


def test_also_public_is_explicit_and_narrow():
    assert netguard.is_public("127.0.0.2", {"127.0.0.2"}) and not netguard.is_public("127.0.0.2")
    assert not netguard.is_public("127.0.0.1", {"127.0.0.2"})


def test_the_socket_guard_exists_only_inside_guarded():
    import socket
    assert not netguard.installed()  # importing netguard patched nothing
    seen = {}

    def other_thread():  # not inside guarded: untouched even while another thread is
        probe = socket.socket()
        probe.settimeout(1)
        seen["result"] = probe.connect_ex(("127.0.0.1", 9))
        probe.close()

    with netguard.guarded(False):
        assert netguard.installed()
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join(5)
        with socket.socket() as mine, pytest.raises(netguard.BlockedAddress):
            mine.connect(("127.0.0.1", 9))
    assert isinstance(seen["result"], int) and not netguard.installed()


def test_attribution_keeps_only_web_links():
    credit = url_import.attribution({"title": "Storm", "webpage_url": "javascript:alert(document.cookie)",
                                     "license": "data:text/html,<script>x</script>"}, "https://example.com/v")
    assert credit == {"title": "Storm", "original_url": "https://example.com/v"}
    credit = url_import.attribution({"webpage_url": "https://example.com/v", "license": "CC BY 4.0"},
                                    "https://example.com/v")
    assert credit["webpage_url"] == "https://example.com/v" and credit["license"] == "CC BY 4.0"
