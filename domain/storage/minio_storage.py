"""Object storage on MinIO (or another S3 service) through the synchronous `minio` client.

The client blocks, so every call runs in a worker thread; the caller's async iterator is read on the
event loop into a buffer, and each full part is sent from that buffer as it is. Memory holds about
one part (8 MiB), never the object; any failure (too large, the client gone, cancelled) aborts the
multipart upload.

The sha256 is known only once the last byte has passed. An object that fits in one part is sent then,
in a single PUT carrying the digest as metadata. A multipart upload declared its metadata at the start,
so its digest goes into object tags afterwards. Either record carries a seal, an HMAC under the secret
key over the key, the digest and the object's ETag: a record that does not describe the current object
(replaced since) is ignored and the digest recomputed, and so is one an uploader made up, since
whoever holds a presigned PUT URL can send tags of their own (MinIO accepts an unsigned `x-amz-tagging`
header) and `stat` must not believe a digest they chose.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

import anyio
import anyio.to_thread
import urllib3
from minio import Minio
from minio.commonconfig import Tags
from minio.datatypes import Part
from minio.error import S3Error
from minio.helpers import DictType

from domain.errors import NotFound
from domain.storage.base import (
    DEFAULT_CHUNK_SIZE,
    ObjectTooLarge,
    StoredObject,
    check_expiry,
    check_key,
    check_max_bytes,
    check_prefix,
    content_disposition,
    is_sha256_hex,
)

T = TypeVar("T")

MIN_PART_SIZE = 5 * 1024 * 1024  # the S3 minimum for every part but the last
DEFAULT_PART_SIZE = 8 * 1024 * 1024
_MISSING = frozenset({"NoSuchKey", "NoSuchObject", "NoSuchVersion", "ResourceNotFound"})
_CONTENT_TYPE = "application/octet-stream"
_SHA256_METADATA = "x-amz-meta-sha256"
_SEAL_METADATA = "x-amz-meta-sha256-seal"
_SHA256_TAG = "sha256"
_ETAG_TAG = "etag"
_SEAL_TAG = "seal"


class MinioStorage:
    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str = "us-east-1",
        secure: bool = False,
        part_size: int = DEFAULT_PART_SIZE,
        http_client: urllib3.PoolManager | None = None,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes")
        self.bucket = bucket
        self.region = region
        self._part_size = part_size
        self._seal = _Seal(secret_key)
        # A known region spares a GetBucketLocation round trip, and presigning never touches the network.
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http_client,
        )
        # A threading lock, not an asyncio one: the same storage may serve several event loops.
        self._bucket_lock = threading.Lock()
        self._bucket_ready = False

    def __repr__(self) -> str:
        return f"MinioStorage({self._client._base_url.host!r}, bucket={self.bucket!r})"

    # -- the bucket, created on first use

    async def _ready(self) -> None:
        if not self._bucket_ready:
            await anyio.to_thread.run_sync(self._ensure_bucket)

    def _ensure_bucket(self) -> None:
        with self._bucket_lock:
            if self._bucket_ready:
                return
            if not self._client.bucket_exists(self.bucket):
                try:
                    self._client.make_bucket(self.bucket, location=self.region)
                except S3Error as exc:  # another replica made it first
                    if exc.code != "BucketAlreadyOwnedByYou":
                        raise
            self._bucket_ready = True

    # -- writing

    async def put_stream(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StoredObject:
        check_key(key)
        check_max_bytes(max_bytes)
        await self._ready()
        upload = _Upload(self._client, self._seal, self.bucket, key)
        # The part being gathered, sent from this buffer as it is: only the chunks are copied, once.
        buffer = bytearray()
        size = 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise ObjectTooLarge(max_bytes)
                buffer += chunk
                while len(buffer) >= self._part_size:
                    await _in_thread(upload.send_part, buffer, self._part_size)
                    del buffer[: self._part_size]
            return await _in_thread(upload.finish, buffer, len(buffer))
        except BaseException:
            # Shielded: a cancelled upload must not leave its parts on the server either. A failed abort
            # must not hide why the upload stopped; MinIO drops unfinished uploads after a day anyway.
            with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                await anyio.to_thread.run_sync(upload.abort)
            raise

    # -- reading

    async def open_stream(self, key: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        check_key(key)
        await self._ready()
        if await anyio.to_thread.run_sync(self._stat_object, key) is None:
            raise NotFound(f"no object {key!r}")
        return self._read_chunks(key, chunk_size)

    async def _read_chunks(self, key: str, chunk_size: int) -> AsyncIterator[bytes]:
        response = await anyio.to_thread.run_sync(self._get_object, key)
        try:
            while chunk := await anyio.to_thread.run_sync(response.read, chunk_size):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    def _get_object(self, key: str) -> Any:
        try:
            return self._client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise NotFound(f"no object {key!r}") from None
            raise

    def _stat_object(self, key: str) -> Any:
        try:
            return self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise

    async def stat(self, key: str) -> StoredObject | None:
        check_key(key)
        await self._ready()
        return await anyio.to_thread.run_sync(self._stat, key)

    def _stat(self, key: str) -> StoredObject | None:
        info = self._stat_object(key)
        if info is None:
            return None
        size = int(info.size)
        etag = _plain_etag(info.etag)
        metadata = info.metadata or {}
        sha256 = metadata.get(_SHA256_METADATA)
        # Either seal covers the object's current ETag: a record left from an object since replaced
        # does not verify, nor does one an uploader made up.
        if self._seal.verify(metadata.get(_SEAL_METADATA), self.bucket, key, etag, sha256):
            return StoredObject(key=key, size=size, sha256=str(sha256))  # a single PUT by put_stream
        try:
            tags: dict[str, str] = self._client.get_object_tags(self.bucket, key) or {}
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise
        sha256 = tags.get(_SHA256_TAG)
        if self._seal.verify(tags.get(_SEAL_TAG), self.bucket, key, etag, sha256):
            return StoredObject(key=key, size=size, sha256=str(sha256))
        try:
            return self._digest(key)
        except NotFound:
            return None

    async def digest(self, key: str) -> StoredObject:
        check_key(key)
        await self._ready()
        return await anyio.to_thread.run_sync(self._digest, key)

    def _digest(self, key: str) -> StoredObject:
        response = self._get_object(key)
        hasher = hashlib.sha256()
        size = 0
        try:
            while chunk := response.read(DEFAULT_CHUNK_SIZE):
                hasher.update(chunk)
                size += len(chunk)
            etag = response.headers.get("ETag")
        finally:
            response.close()
            response.release_conn()
        stored = StoredObject(key=key, size=size, sha256=hasher.hexdigest())
        with contextlib.suppress(S3Error):  # the digest is right even when it cannot be remembered
            _remember_digest(self._client, self._seal, self.bucket, key, stored.sha256, etag)
        return stored

    async def exists(self, key: str) -> bool:
        check_key(key)
        await self._ready()
        return await anyio.to_thread.run_sync(self._stat_object, key) is not None

    async def list_keys(self, prefix: str = "") -> list[str]:
        check_prefix(prefix)
        await self._ready()
        return await anyio.to_thread.run_sync(self._list_keys, prefix)

    def _list_keys(self, prefix: str) -> list[str]:
        objects = self._client.list_objects(self.bucket, prefix=prefix or None, recursive=True)
        return sorted(item.object_name for item in objects if item.object_name is not None)

    async def incomplete_uploads(self, prefix: str = "") -> list[str]:
        """Keys under `prefix` with a multipart upload begun and neither completed nor aborted.

        For tests proving that a refused upload left no parts behind, and for garbage collection;
        MinIO itself drops unfinished uploads after a day (`api stale_uploads_expiry`). The client
        has no public call for this; MinIO filters by a whole key only, so the prefix is applied here.
        """
        check_prefix(prefix)
        await self._ready()

        def run() -> list[str]:
            keys: set[str] = set()
            marker: str | None = None
            while True:
                page = self._client._list_multipart_uploads(self.bucket, key_marker=marker)
                keys.update(
                    u.object_name for u in page.uploads if u.object_name and u.object_name.startswith(prefix)
                )
                if not page.is_truncated or not page.next_key_marker or page.next_key_marker == marker:
                    return sorted(keys)
                marker = page.next_key_marker

        return await anyio.to_thread.run_sync(run)

    # -- removing

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._ready()
        await anyio.to_thread.run_sync(self._client.remove_object, self.bucket, key)

    # -- direct transfers

    async def presigned_put_url(self, key: str, *, expires: timedelta) -> str | None:
        """A URL for one PUT of the whole object. S3 cannot cap its size: check `digest(key).size` after."""
        check_key(key)
        check_expiry(expires)
        await self._ready()
        return self._client.presigned_put_object(self.bucket, key, expires=expires)

    async def presigned_get_url(
        self, key: str, *, expires: timedelta, filename: str | None = None
    ) -> str | None:
        check_key(key)
        check_expiry(expires)
        await self._ready()
        headers = {"response-content-disposition": content_disposition(filename)} if filename else None
        return self._client.presigned_get_object(
            self.bucket, key, expires=expires, response_headers=cast(Any, headers)
        )


class _Upload:
    """One upload's calls, made in worker threads, one at a time.

    These are the client's S3 calls below `put_object`, which wants a blocking file to pull from and
    copies each part several times over; mypy checks the signatures against the installed client.
    """

    def __init__(self, client: Minio, seal: _Seal, bucket: str, key: str) -> None:
        self._client = client
        self._seal = seal
        self._bucket = bucket
        self._key = key
        self._hasher = hashlib.sha256()
        self._size = 0
        self._upload_id: str | None = None
        self._parts: list[Part] = []

    def send_part(self, data: memoryview) -> None:
        self._hasher.update(data)
        self._size += len(data)
        if self._upload_id is None:
            self._upload_id = self._client._create_multipart_upload(
                self._bucket, self._key, {"Content-Type": _CONTENT_TYPE}
            )
        number = len(self._parts) + 1
        etag = self._client._upload_part(self._bucket, self._key, _body(data), None, self._upload_id, number)
        self._parts.append(Part(number, etag))

    def finish(self, rest: memoryview) -> StoredObject:
        if self._upload_id is None:  # it all fitted in one part: one PUT, the digest as metadata
            self._hasher.update(rest)
            self._size += len(rest)
            sha256 = self._hasher.hexdigest()
            # The ETag S3 gives an unencrypted single PUT is its MD5: sealing it ties the record to
            # these very bytes (with server-side encryption it differs, and the digest is recomputed).
            etag = hashlib.md5(rest, usedforsecurity=False).hexdigest()
            headers: DictType = {
                "Content-Type": _CONTENT_TYPE,
                _SHA256_METADATA: sha256,
                _SEAL_METADATA: self._seal.make(self._bucket, self._key, etag, sha256),
            }
            self._client._put_object(self._bucket, self._key, _body(rest), headers)
            return StoredObject(key=self._key, size=self._size, sha256=sha256)
        if rest:
            self.send_part(rest)
        sha256 = self._hasher.hexdigest()
        result = self._client._complete_multipart_upload(
            self._bucket, self._key, self._upload_id, self._parts
        )
        self._upload_id = None  # completed: nothing to abort any more
        try:
            _remember_digest(self._client, self._seal, self._bucket, self._key, sha256, result.etag)
        except BaseException:
            # An object whose digest is not recorded would be recomputed, but a failed upload leaves nothing.
            with contextlib.suppress(Exception):
                self._client.remove_object(self._bucket, self._key)
            raise
        return StoredObject(key=self._key, size=self._size, sha256=sha256)

    def abort(self) -> None:
        if self._upload_id is not None:
            upload_id, self._upload_id = self._upload_id, None
            self._client._abort_multipart_upload(self._bucket, self._key, upload_id)


async def _in_thread(send: Callable[[memoryview], T], buffer: bytearray, length: int) -> T:
    """`send(buffer[:length])` in a worker thread, lending the bytes rather than copying them."""
    view = memoryview(buffer)[:length]
    try:
        return await anyio.to_thread.run_sync(send, view)
    finally:
        view.release()  # the buffer may be resized again


def _body(data: memoryview) -> bytes:
    # The client types request bodies as bytes, but only takes their length, hashes them and hands
    # them to urllib3; all of that works on any buffer, so the part goes out without a copy.
    return cast(bytes, data)


class _Seal:
    """An HMAC under a key derived from the storage's secret key, over the fields of a digest record."""

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"atom-cloud storage digest seal\0" + secret_key.encode()).digest()

    def make(self, *fields: str) -> str:
        return hmac.new(self._key, "\n".join(fields).encode(), hashlib.sha256).hexdigest()

    def verify(self, seal: str | None, bucket: str, key: str, etag: str, sha256: str | None) -> bool:
        if seal is None or not etag or not is_sha256_hex(sha256):
            return False
        return hmac.compare_digest(seal, self.make(bucket, key, etag, str(sha256)))


def _remember_digest(
    client: Minio, seal: _Seal, bucket: str, key: str, sha256: str, etag: str | None
) -> None:
    tags = Tags.new_object_tags()
    tags[_SHA256_TAG] = sha256
    tags[_ETAG_TAG] = _plain_etag(etag)
    tags[_SEAL_TAG] = seal.make(bucket, key, _plain_etag(etag), sha256)
    client.set_object_tags(bucket, key, tags)


def _plain_etag(etag: str | None) -> str:
    return (etag or "").strip('"')
