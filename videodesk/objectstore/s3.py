"""S3Store: media in an S3-compatible bucket, through boto3.

Layout and visibility
---------------------
A logical key ``K`` (e.g. ``<video_id>/hls/master.m3u8``) is stored at

* ``<prefix>private/K`` -- the only copy written by put_file/put_tree; always private.
* ``<prefix>public/K``  -- a server-side copy that exists only while K's folder is published.

``ensure_bucket(policy=True)`` installs a bucket policy that lets anyone ``s3:GetObject`` under
``<prefix>public/*`` and nothing else; objects are uploaded with the default (private) ACL, so
an unpublished object can only be read with a signature. A CDN is pointed at the ``public/``
prefix as its origin (``media_base_url`` + K maps to ``<prefix>public/K``), so it can never
fetch a private object either. ``set_public(P, True)`` copies ``private/P/*`` (with ``only``, the
keys it accepts) to ``public/P/*`` (server-side, multipart for big objects) and removes every other
public object under ``P`` (leftovers, and files no longer named); ``set_public(P, False)``
deletes ``public/P/*``. On unpublish, a CDN additionally needs a purge of ``public/P/*`` (its
cache outlives the origin object); that is the CDN's API, not this module's. On AWS the bucket's Block Public Access must allow bucket policies.

Errors: connection failures and timeouts (after botocore's retries) become StoreUnavailable;
a missing object is FileNotFoundError in fetch, False/None in exists/size.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from videodesk.core.digests import file_digest

from .base import (
    MediaStore,
    ObjectInfo,
    StoreError,
    StoreUnavailable,
    check_key,
    check_prefix,
    guess_content_type,
    origin_of,
)

PRIVATE = "private/"
PUBLIC = "public/"

_UNAVAILABLE = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _cause_chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


@contextlib.contextmanager
def _translated(what: str):
    """Turn botocore's connection failures (also when wrapped by s3transfer) into StoreUnavailable."""
    try:
        yield
    except (StoreError, ValueError, FileNotFoundError):
        raise
    except Exception as exc:
        for cause in _cause_chain(exc):
            if isinstance(cause, _UNAVAILABLE):
                raise StoreUnavailable(f"object store unreachable during {what}: {cause}") from exc
            if isinstance(cause, ClientError):
                status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
                if status >= 500 or cause.response.get("Error", {}).get("Code") in ("SlowDown", "ServiceUnavailable"):
                    raise StoreUnavailable(f"object store failed during {what}: {cause}") from exc
        raise


def _is_missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


class S3Store(MediaStore):
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str = "us-east-1",
                 path_style: bool = False, media_base_url: str | None = None, *,
                 connect_timeout: float = 5, read_timeout: float = 30, max_attempts: int = 3,
                 multipart_threshold: int = 64 * 1024 * 1024, multipart_chunksize: int = 16 * 1024 * 1024,
                 max_concurrency: int = 4, aws_access_key_id: str | None = None,
                 aws_secret_access_key: str | None = None, aws_session_token: str | None = None):
        if not bucket:
            raise ValueError("S3Store needs a bucket")
        if prefix:
            prefix = check_prefix(prefix)
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url or None
        self.region = region or "us-east-1"
        self.media_base_url = media_base_url.rstrip("/") if media_base_url else None
        config = Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                        retries={"max_attempts": max_attempts, "mode": "standard"},
                        signature_version="s3v4",
                        s3={"addressing_style": "path" if path_style else "auto"})
        # Credentials: explicit ones if given, else boto3's usual chain (env, files, instance role).
        session = boto3.session.Session(aws_access_key_id=aws_access_key_id,
                                        aws_secret_access_key=aws_secret_access_key,
                                        aws_session_token=aws_session_token, region_name=self.region)
        self.client = session.client("s3", endpoint_url=self.endpoint_url, config=config)
        self.transfer = TransferConfig(multipart_threshold=multipart_threshold,
                                       multipart_chunksize=multipart_chunksize,
                                       max_concurrency=max_concurrency)

    def __repr__(self):
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r}, endpoint_url={self.endpoint_url!r})"

    # -- names ----------------------------------------------------------------------------
    def private_name(self, key: str) -> str:
        return self.prefix + PRIVATE + check_key(key)

    def public_name(self, key: str) -> str:
        return self.prefix + PUBLIC + check_key(key)

    def _objects(self, full_prefix: str) -> Iterator[dict]:
        paginator = self.client.get_paginator("list_objects_v2")
        with _translated("list"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
                yield from page.get("Contents", [])

    def _delete_names(self, names: list[str]) -> None:
        for start in range(0, len(names), 1000):
            batch = names[start:start + 1000]
            with _translated("delete"):
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": n} for n in batch], "Quiet": True})
            errors = answer.get("Errors") or []
            if errors:
                raise StoreError(f"could not delete {len(errors)} objects, first: {errors[0]}")

    # -- bucket ---------------------------------------------------------------------------
    def bucket_policy(self) -> dict:
        """Anonymous GET on <prefix>public/* only."""
        return {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "VideodeskPublicMediaOnly",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{self.bucket}/{self.prefix}{PUBLIC}*",
            }],
        }

    def cors_rules(self) -> dict:
        """Browsers may GET and HEAD objects from any page: hls.js fetches playlists and segments with
        XHR and caption tracks are read with crossorigin="anonymous"; reading is still decided by the
        bucket policy and signatures, CORS only lets a page see what it was allowed to fetch."""
        return {"CORSRules": [{"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"],
                               "ExposeHeaders": ["Content-Length", "Content-Range", "ETag"], "MaxAgeSeconds": 3600}]}

    def prepare(self):
        self.ensure_bucket(policy=True)
        with _translated("put_bucket_cors"):
            self.client.put_bucket_cors(Bucket=self.bucket, CORSConfiguration=self.cors_rules())

    def origins(self):
        """The bucket's own origin (as presigned URLs name it) and the CDN's."""
        with _translated("presign"):
            url = self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": "x"},
                                                     ExpiresIn=60)
        return sorted({origin_of(url), *super().origins()})

    def ensure_bucket(self, policy: bool = True) -> None:
        """Create the bucket when missing and (re)apply the public-prefix-only bucket policy."""
        with _translated("ensure_bucket"):
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) not in ("404", "NoSuchBucket", "NotFound"):
                    raise
                kwargs = {"Bucket": self.bucket}
                if self.region != "us-east-1":
                    kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
                self.client.create_bucket(**kwargs)
            if policy:
                self.client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(self.bucket_policy()))

    # -- writing --------------------------------------------------------------------------
    def put_file(self, key, local_path, content_type=None):
        name = self.private_name(key)
        extra = {"ContentType": content_type or guess_content_type(key)}
        with _translated("upload"):
            self.client.upload_file(str(local_path), self.bucket, name, ExtraArgs=extra, Config=self.transfer)

    def put_bytes(self, key, data, content_type=None):
        name = self.private_name(key)
        with _translated("upload"):
            self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(data),
                                   ContentType=content_type or guess_content_type(key))

    def delete(self, key):
        names = [self.private_name(key), self.public_name(key)]
        self._delete_names(names)

    def delete_prefix(self, prefix):
        base = check_prefix(prefix)
        if not base:
            raise ValueError("delete_prefix needs a non-empty prefix")
        private = [o["Key"] for o in self._objects(self.prefix + PRIVATE + base)]
        public = [o["Key"] for o in self._objects(self.prefix + PUBLIC + base)]
        self._delete_names(private + public)
        return len(private)

    # -- reading --------------------------------------------------------------------------
    def _head(self, key):
        with _translated("head"):
            try:
                return self.client.head_object(Bucket=self.bucket, Key=self.private_name(key))
            except ClientError as exc:
                if _is_missing(exc):
                    return None
                raise

    def fetch(self, key, local_path):
        name = self.private_name(key)
        dest = Path(local_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
        os.close(fd)
        try:
            with _translated("download"):
                try:
                    self.client.download_file(self.bucket, name, tmp, Config=self.transfer)
                except ClientError as exc:
                    if _is_missing(exc):
                        raise FileNotFoundError(key) from exc
                    raise
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return dest

    def read_bytes(self, key):
        with _translated("get"):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self.private_name(key))
            except ClientError as exc:
                if _is_missing(exc):
                    raise FileNotFoundError(key) from exc
                raise
            return answer["Body"].read()

    def exists(self, key):
        return self._head(key) is not None

    def same_bytes(self, info, local_path):
        """Size and ETag: the MD5 of a single-part upload, or the MD5 of the parts' MD5s and the part
        count for a multipart one (made with this store's part size)."""
        size = os.path.getsize(local_path)
        if info.size != size:
            return False
        if size < self.transfer.multipart_threshold:
            return info.etag == file_digest(local_path, "md5")
        part = self.transfer.multipart_chunksize
        parts = [bytes.fromhex(file_digest(local_path, "md5", start, part)) for start in range(0, size, part)]
        return info.etag == f"{hashlib.md5(b''.join(parts)).hexdigest()}-{len(parts)}"

    def size(self, key):
        head = self._head(key)
        return None if head is None else int(head["ContentLength"])

    def list(self, prefix=""):
        base = check_prefix(prefix)
        strip = len(self.prefix + PRIVATE)
        for obj in self._objects(self.prefix + PRIVATE + base):
            yield ObjectInfo(obj["Key"][strip:], int(obj["Size"]), obj.get("ETag", "").strip('"'))

    # -- URLs and visibility --------------------------------------------------------------
    def public_url(self, key, expires_s=3600):
        """CDN URL (origin = the public/ prefix) when configured, else a presigned GET of the public copy.

        Either way it names the *public* copy, so it stops working once the folder is unpublished."""
        check_key(key)
        if self.media_base_url:
            return f"{self.media_base_url}/{key}"
        with _translated("presign"):
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self.public_name(key)}, ExpiresIn=int(expires_s))

    def unsigned_public_url(self, key) -> str:
        """The plain bucket URL of the public copy (readable anonymously thanks to the bucket policy)."""
        url = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.public_name(key)}, ExpiresIn=60)
        return url.split("?", 1)[0]

    def signed_url(self, key, expires_s=3600):
        """Presigned GET of the private copy. Playlists fetched this way do not pass the signature on
        to relatively addressed segments; private HLS is served by the app (see signing.py)."""
        with _translated("presign"):
            return self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self.private_name(key)}, ExpiresIn=int(expires_s))

    def set_public(self, prefix, public, only=None):
        base = check_prefix(prefix)
        if not base:
            raise ValueError("set_public needs a non-empty prefix")
        public_names = {o["Key"] for o in self._objects(self.prefix + PUBLIC + base)}
        if public:
            wanted = set()
            for obj in self._objects(self.prefix + PRIVATE + base):
                rel = obj["Key"][len(self.prefix + PRIVATE):]
                if only is not None and not only(rel):
                    continue
                target = self.public_name(rel)
                wanted.add(target)
                with _translated("publish copy"):
                    self.client.copy({"Bucket": self.bucket, "Key": obj["Key"]}, self.bucket, target,
                                     Config=self.transfer)
            stale = sorted(public_names - wanted)
        else:
            stale = sorted(public_names)
        self._delete_names(stale)

    def withdraw_public(self, prefix, keep):
        base = check_prefix(prefix)
        if not base:
            raise ValueError("withdraw_public needs a non-empty prefix")
        strip = len(self.prefix + PUBLIC)
        self._delete_names(sorted(o["Key"] for o in self._objects(self.prefix + PUBLIC + base)
                                  if not keep(o["Key"][strip:])))

    def join_public(self, key):
        if key.endswith("/"):
            self.set_public(key, True)
            return
        with _translated("publish copy"):
            self.client.copy({"Bucket": self.bucket, "Key": self.private_name(key)}, self.bucket,
                             self.public_name(key), Config=self.transfer)

    def is_public(self, key):
        with _translated("head"):
            try:
                self.client.head_object(Bucket=self.bucket, Key=self.public_name(key))
                return True
            except ClientError as exc:
                if _is_missing(exc):
                    return False
                raise
