"""videodesk.objectstore against a real S3-protocol server (moto_server subprocess), no mocks."""
import hashlib
import os
import socket
import threading
import time
import uuid

import pytest
import requests

from tests.s3server import ACCESS_KEY, SECRET_KEY, free_port, s3_server
from videodesk.core.settings import Settings
from videodesk.objectstore import LocalStore, ObjectInfo, StoreUnavailable, signing, store_from_settings

s3mod = pytest.importorskip("videodesk.objectstore.s3")
S3Store = s3mod.S3Store

SECRET = "0123456789abcdef-test-secret"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with s3_server(log_path=tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


def make_store(endpoint, **kwargs):
    kwargs.setdefault("bucket", "vd-" + uuid.uuid4().hex[:20])
    return S3Store(endpoint_url=endpoint, path_style=True, aws_access_key_id=ACCESS_KEY,
                   aws_secret_access_key=SECRET_KEY, **kwargs)


@pytest.fixture
def store(endpoint):
    s = make_store(endpoint, prefix="site1", multipart_threshold=5 * 1024 * 1024,
                   multipart_chunksize=5 * 1024 * 1024)
    s.ensure_bucket(policy=True)
    return s


def hls_folder(root):
    (root / "720p").mkdir(parents=True)
    (root / "master.m3u8").write_text("#EXTM3U\n720p/index.m3u8\n")
    (root / "720p" / "index.m3u8").write_text("#EXTM3U\ninit.mp4\nseg_001.m4s\n")
    (root / "720p" / "init.mp4").write_bytes(b"\0init")
    (root / "720p" / "seg_001.m4s").write_bytes(os.urandom(3000))
    return root


def md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


# -- S3Store ------------------------------------------------------------------------------

@pytest.mark.s3
def test_multipart_put_and_fetch_round_trip(store, tmp_path):
    src = tmp_path / "big.mp4"
    src.write_bytes(os.urandom(12 * 1024 * 1024 + 123))  # > 5 MiB threshold: 3 parts
    store.put_file("vid1/original.mp4", src)
    assert store.exists("vid1/original.mp4")
    assert store.size("vid1/original.mp4") == src.stat().st_size
    [info] = list(store.list("vid1"))
    assert info.key == "vid1/original.mp4" and info.size == src.stat().st_size
    assert info.etag.endswith("-3"), "a multipart upload's ETag ends with its part count"
    head = store.client.head_object(Bucket=store.bucket, Key="site1/private/vid1/original.mp4")
    assert head["ContentType"] == "video/mp4"

    dest = tmp_path / "scratch" / "copy.mp4"
    assert store.fetch("vid1/original.mp4", dest) == dest
    assert md5(dest) == md5(src)
    assert [p.name for p in dest.parent.iterdir()] == ["copy.mp4"], "no temporary file left behind"


@pytest.mark.s3
def test_fetch_missing_is_file_not_found(store, tmp_path):
    with pytest.raises(FileNotFoundError):
        store.fetch("vid1/nothing.mp4", tmp_path / "x")
    assert not (tmp_path / "x").exists() and list(tmp_path.iterdir()) == []
    assert store.exists("vid1/nothing.mp4") is False
    assert store.size("vid1/nothing.mp4") is None


@pytest.mark.s3
def test_put_tree_list_exists_size(store, tmp_path):
    folder = hls_folder(tmp_path / "ladder")
    keys = store.put_tree("vid2/hls", folder)
    assert keys[-2:] == ["vid2/hls/720p/index.m3u8", "vid2/hls/master.m3u8"], "playlists are uploaded last"
    listed = list(store.list("vid2"))
    assert [i.key for i in listed] == sorted(keys)
    assert all(isinstance(i, ObjectInfo) for i in listed)
    seg = next(i for i in listed if i.key.endswith("seg_001.m4s"))
    assert seg.size == 3000 and seg.etag == md5(folder / "720p" / "seg_001.m4s")
    assert store.size("vid2/hls/master.m3u8") == len("#EXTM3U\n720p/index.m3u8\n")
    assert list(store.list("vid")) == [], "prefixes are folders: 'vid' does not match 'vid2/...'"


@pytest.mark.s3
def test_delete_prefix_removes_everything(store, tmp_path):
    store.put_tree("vid3", hls_folder(tmp_path / "a"))
    store.put_bytes("vid30/keep.txt", b"other video")
    store.set_public("vid3", True)
    assert store.delete_prefix("vid3") == 4
    assert list(store.list("vid3")) == []
    raw = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    assert [o["Key"] for o in raw] == ["site1/private/vid30/keep.txt"], "public copies are gone too"


@pytest.mark.s3
def test_presigned_url_works_without_credentials(store):
    store.put_bytes("vid4/poster.jpg", b"jpeg bytes")
    url = store.signed_url("vid4/poster.jpg", expires_s=300)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.content == b"jpeg bytes"
    assert response.headers["Content-Type"] == "image/jpeg"


@pytest.mark.s3
def test_private_object_is_refused_anonymously(store):
    """The object store itself refuses an unsigned read of unpublished media."""
    store.put_bytes("vid5/hls/master.m3u8", b"#EXTM3U\n")
    plain = store.signed_url("vid5/hls/master.m3u8").split("?", 1)[0]
    assert requests.get(plain, timeout=10).status_code == 403
    assert requests.head(plain, timeout=10).status_code == 403
    # Nor is the (absent) public copy readable before publishing.
    assert requests.get(store.unsigned_public_url("vid5/hls/master.m3u8"), timeout=10).status_code in (403, 404)


@pytest.mark.s3
def test_set_public_and_back(store, tmp_path):
    store.put_tree("vid6/hls", hls_folder(tmp_path / "l"))
    key = "vid6/hls/720p/seg_001.m4s"
    public = store.unsigned_public_url(key)
    private = store.signed_url(key).split("?", 1)[0]
    assert not store.is_public(key)

    store.set_public("vid6", True)
    assert store.is_public(key)
    response = requests.get(public, timeout=10)
    assert response.status_code == 200 and len(response.content) == 3000
    assert requests.get(store.public_url(key), timeout=10).status_code == 200
    assert requests.get(private, timeout=10).status_code == 403, "the private copy stays private"

    # Re-publishing after an object was removed privately removes its public copy as well.
    store.client.delete_object(Bucket=store.bucket, Key=store.private_name("vid6/hls/720p/init.mp4"))
    store.set_public("vid6", True)
    assert not store.is_public("vid6/hls/720p/init.mp4") and store.is_public(key)

    store.set_public("vid6", False)
    assert not store.is_public(key)
    assert requests.get(public, timeout=10).status_code in (403, 404)
    assert store.exists(key), "unpublishing keeps the private media"


@pytest.mark.s3
def test_bucket_policy_only_opens_public_prefix(store):
    policy = store.bucket_policy()
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{store.bucket}/site1/public/*"
    stored = store.client.get_bucket_policy(Bucket=store.bucket)["Policy"]
    assert "site1/public/*" in stored and "private" not in stored


@pytest.mark.s3
def test_media_base_url_gives_cdn_urls(endpoint):
    s = make_store(endpoint, media_base_url="https://cdn.example.test/media/")
    assert s.public_url("vid7/hls/master.m3u8") == "https://cdn.example.test/media/vid7/hls/master.m3u8"
    # Signed URLs for private media never go through the CDN.
    assert s.signed_url("vid7/hls/master.m3u8").startswith(endpoint)


@pytest.mark.s3
def test_s3_store_refuses_bad_keys(store):
    for bad in ["../x", "/abs", "a//b", "a/./b", "a\\b", "a\0b", "", ".hidden/x"]:
        with pytest.raises(ValueError):
            store.put_bytes(bad, b"x")
    assert store.local_path("vid/x") is None


def test_server_down_raises_store_unavailable(tmp_path):
    s = make_store(f"http://127.0.0.1:{free_port()}", connect_timeout=1, read_timeout=1, max_attempts=2)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        s.exists("vid/x")
    src = tmp_path / "f"
    src.write_bytes(b"x")
    with pytest.raises(StoreUnavailable):
        s.put_file("vid/x", src)
    with pytest.raises(StoreUnavailable):
        list(s.list("vid"))
    assert time.monotonic() - started < 20


def test_server_not_answering_times_out_as_store_unavailable():
    """A server that accepts connections but never answers: bounded by read_timeout x attempts."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        s = make_store(f"http://127.0.0.1:{listener.getsockname()[1]}", connect_timeout=1, read_timeout=1,
                       max_attempts=2)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            s.size("vid/x")
        assert time.monotonic() - started < 15
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()


# -- configuration -------------------------------------------------------------------------

@pytest.mark.s3
def test_storage_settings_from_the_environment_and_store_from_settings(tmp_path, endpoint):
    env = {"VIDEODESK_S3_BUCKET": "media", "VIDEODESK_S3_ENDPOINT_URL": endpoint, "VIDEODESK_S3_PATH_STYLE": "true",
           "VIDEODESK_S3_PREFIX": "prod/", "VIDEODESK_MEDIA_BASE_URL": "https://cdn.example.test", "VIDEODESK_S3_REGION": ""}
    settings = Settings.from_env(env, data_dir=tmp_path / "data", secret_key="x" * 32)
    assert (settings.s3_bucket, settings.s3_endpoint_url, settings.s3_path_style, settings.s3_prefix,
            settings.media_base_url, settings.s3_region) == (
        "media", endpoint, True, "prod/", "https://cdn.example.test", "us-east-1")
    assert Settings.from_env({**env, "VIDEODESK_S3_PATH_STYLE": "0"}).s3_path_style is False
    s3 = store_from_settings(settings)
    assert isinstance(s3, S3Store)
    assert (s3.bucket, s3.prefix, s3.region, s3.endpoint_url) == ("media", "prod/", "us-east-1", endpoint)
    assert s3.public_url("v/a.m3u8") == "https://cdn.example.test/v/a.m3u8"
    local = store_from_settings(Settings(data_dir=str(tmp_path)))
    assert isinstance(local, LocalStore) and local.root == (tmp_path / "media").resolve()


# -- LocalStore -----------------------------------------------------------------------------

@pytest.fixture
def local(tmp_path):
    return LocalStore(tmp_path / "media", signing_secret=SECRET)


@pytest.mark.parametrize("bad", ["..", "../etc/passwd", "a/../../b", "/etc/passwd", "a\0b", "a\\..\\b",
                                 "C:/x", "a//b", "a/./b", "", ".public/x", ".tmp/x", "a/", None, 5])
def test_local_store_refuses_escaping_keys(local, tmp_path, bad):
    src = tmp_path / "s"
    src.write_bytes(b"x")
    with pytest.raises(ValueError):
        local.put_file(bad, src)
    with pytest.raises(ValueError):
        local.exists(bad)
    with pytest.raises(ValueError):
        local.fetch(bad, tmp_path / "out")


def test_local_store_refuses_symlink_escape(local, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    os.symlink(outside, local.root / "link")
    with pytest.raises(ValueError):
        local.exists("link/secret")
    with pytest.raises(ValueError):
        local.put_bytes("link/new", b"x")
    assert not (outside / "new").exists()


def test_local_store_round_trip(local, tmp_path):
    keys = local.put_tree("vid1/hls", hls_folder(tmp_path / "ladder"))
    assert keys[-1] == "vid1/hls/master.m3u8"
    assert [i.key for i in local.list("vid1")] == sorted(keys)
    assert [i.key for i in local.list()] == sorted(keys), "bookkeeping folders are not listed"
    assert local.size("vid1/hls/720p/seg_001.m4s") == 3000 and local.size("vid1/none") is None
    assert local.local_path("vid1/hls/master.m3u8") == local.root / "vid1" / "hls" / "master.m3u8"
    dest = local.fetch("vid1/hls/720p/seg_001.m4s", tmp_path / "scratch" / "s.m4s")
    assert md5(dest) == md5(tmp_path / "ladder" / "720p" / "seg_001.m4s")
    with pytest.raises(FileNotFoundError):
        local.fetch("vid1/nothing", tmp_path / "scratch" / "n")

    local.set_public("vid1", True)
    assert local.is_public("vid1/hls/master.m3u8") and not local.is_public("vid10/x")
    local.set_public("vid1", False)
    assert not local.is_public("vid1/hls/master.m3u8")

    local.put_bytes("vid10/keep", b"k")
    local.set_public("vid1", True)
    assert local.delete_prefix("vid1") == 4
    assert [i.key for i in local.list()] == ["vid10/keep"]
    assert not local.is_public("vid1/hls/master.m3u8"), "the publish flag goes with the media"


def test_local_urls(tmp_path):
    store = LocalStore(tmp_path / "m", media_base_url="https://cdn.example.test/", signing_secret=SECRET)
    assert store.public_url("v1/hls/master.m3u8") == "https://cdn.example.test/v1/hls/master.m3u8"
    assert LocalStore(tmp_path / "m").public_url("v1/a.vtt") == "/media/v1/a.vtt"
    url = store.signed_url("v1/hls/master.m3u8", expires_s=60)
    _, _, _, token, video_id, *rest = url.split("/")
    assert url.startswith("/media/s/") and video_id == "v1" and rest == ["hls", "master.m3u8"]
    assert signing.verify(SECRET, "v1", token, time.time())


# -- signing ---------------------------------------------------------------------------------

def test_signing_valid_token():
    token = signing.sign(SECRET, "abc123", 2_000_000_000)
    assert signing.verify(SECRET, "abc123", token, now=1_999_999_999)
    assert "/" not in token and "=" not in token and token.count(".") == 1
    assert signing.media_path(SECRET, "abc123", "hls/720p/seg_001.m4s", 2_000_000_000) == \
        f"/media/s/{token}/abc123/hls/720p/seg_001.m4s"


def test_signing_expired():
    token = signing.sign(SECRET, "abc123", 1000)
    assert not signing.verify(SECRET, "abc123", token, now=1000)
    assert not signing.verify(SECRET, "abc123", token, now=5000)


def test_signing_other_video_and_other_secret():
    token = signing.sign(SECRET, "abc123", 2_000_000_000)
    assert not signing.verify(SECRET, "abc124", token, now=0)
    assert not signing.verify("another-secret-of-16+", "abc123", token, now=0)


def test_signing_tampered():
    token = signing.sign(SECRET, "abc123", 2_000_000_000)
    expiry, mac = token.split(".")
    later = signing.sign(SECRET, "abc123", 2_100_000_000).split(".")[0]
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    for bad in [f"{later}.{mac}", f"{expiry}.{flipped}", f"{expiry}.{mac}=", f"{expiry}.{mac}.x", expiry,
                f"{expiry}.", f".{mac}", "", f"{expiry}.{mac[:-1]}", token + "A", token.upper(), f"{expiry}.{mac}\n",
                None, 12]:
        assert not signing.verify(SECRET, "abc123", bad, now=0), bad


def test_signing_refuses_bad_input():
    with pytest.raises(ValueError):
        signing.sign(SECRET, "a:b", 10)
    with pytest.raises(ValueError):
        signing.sign(SECRET, "abc", 0)
    with pytest.raises(ValueError):
        signing.sign("short", "abc", 10)
    assert not signing.verify(SECRET, "a/b", signing.sign(SECRET, "abc", 10), now=0)


@pytest.mark.s3
def test_same_bytes_compares_single_and_multipart_etags(store, tmp_path):
    small, big = tmp_path / "small.vtt", tmp_path / "big.mp4"
    small.write_bytes(b"WEBVTT\n")
    big.write_bytes(os.urandom(11 * 1024 * 1024))  # 3 parts of the store's 5 MiB
    store.put_file("vid9/small.vtt", small)
    store.put_file("vid9/big.mp4", big)
    listed = {info.key: info for info in store.list("vid9")}
    assert listed["vid9/big.mp4"].etag.endswith("-3")
    assert store.same_bytes(listed["vid9/small.vtt"], small) and store.same_bytes(listed["vid9/big.mp4"], big)
    with open(big, "r+b") as changed:
        changed.seek(6 * 1024 * 1024)
        changed.write(b"\xff" * 8)
    assert not store.same_bytes(listed["vid9/big.mp4"], big)
