"""Object storage against the backend under test (`storage`: local by default, MinIO with
ATOM_TEST_STORAGE=minio), plus the local backend's own guarantees on a directory of its own."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import urllib3

from domain.errors import InvalidInput, NotFound
from domain.marketplace.errors import MarketplaceErrorCode
from domain.storage import (
    InvalidKey,
    LocalStorage,
    MinioStorage,
    ObjectStorage,
    ObjectTooLarge,
    StorageConfig,
    StoredObject,
    make_storage,
)
from server.settings import Settings

MiB = 1024 * 1024
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class Source:
    """Deterministic pseudo-random bytes, generated chunk by chunk and hashed on the way out.

    The test never holds the object: `sha256` and `sent` describe what the storage was given.
    `fail_after` raises mid-stream, like a client that goes away.
    """

    def __init__(
        self, size: int, *, chunk: int = 65_537, seed: int = 1, fail_after: int | None = None
    ) -> None:
        self.size = size
        self.chunk = chunk
        self.seed = seed
        self.fail_after = fail_after
        self.sent = 0
        self._hasher = hashlib.sha256()

    async def chunks(self) -> AsyncIterator[bytes]:
        rng = random.Random(self.seed)
        while self.sent < self.size:
            if self.fail_after is not None and self.sent >= self.fail_after:
                raise ConnectionResetError("the client went away")
            piece = rng.randbytes(min(self.chunk, self.size - self.sent))
            self._hasher.update(piece)
            self.sent += len(piece)
            yield piece
            await asyncio.sleep(0)

    @property
    def sha256(self) -> str:
        assert self.sent == self.size, "the source was not read to the end"
        return self._hasher.hexdigest()


async def one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def read_all(storage: ObjectStorage, key: str, *, chunk_size: int = MiB) -> tuple[int, str]:
    hasher = hashlib.sha256()
    size = 0
    async for chunk in await storage.open_stream(key, chunk_size=chunk_size):
        assert len(chunk) <= chunk_size
        hasher.update(chunk)
        size += len(chunk)
    return size, hasher.hexdigest()


async def leftovers(storage: ObjectStorage, prefix: str) -> list[str]:
    """Everything a failed upload could have left under `prefix`: objects, unfinished multipart uploads,
    and on a local directory every file at all (temporary files and sidecars included)."""
    found = await storage.list_keys(prefix)
    if isinstance(storage, MinioStorage):
        found += [f"incomplete upload {key}" for key in await storage.incomplete_uploads(prefix)]
    if isinstance(storage, LocalStorage):
        directory = storage.root / prefix
        found += [f"file {path}" for path in directory.rglob("*") if path.is_file()]
    return found


@pytest.fixture
def prefix() -> str:
    return f"test-storage/{uuid.uuid4().hex}/"


# ---- round trips


async def test_multi_part_round_trip_keeps_every_byte(storage: ObjectStorage, prefix: str) -> None:
    source = Source(20 * MiB + 123, seed=7)
    key = f"{prefix}artifact.tar.gz"

    stored = await storage.put_stream(key, source.chunks(), max_bytes=64 * MiB)

    expected = StoredObject(key=key, size=20 * MiB + 123, sha256=source.sha256)
    assert stored == expected
    assert await storage.stat(key) == expected
    assert await storage.digest(key) == expected
    assert await read_all(storage, key) == (expected.size, expected.sha256)
    assert await read_all(storage, key, chunk_size=3 * MiB + 1) == (expected.size, expected.sha256)
    assert await storage.exists(key)
    assert await storage.list_keys(prefix) == [key]


@pytest.mark.parametrize("data", [b"", b"x", b"hello, world\n" * 1000])
async def test_small_objects_round_trip(storage: ObjectStorage, prefix: str, data: bytes) -> None:
    key = f"{prefix}small"
    stored = await storage.put_stream(key, one(data), max_bytes=len(data))
    expected = StoredObject(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    assert stored == expected
    assert await storage.stat(key) == expected
    assert await read_all(storage, key) == (len(data), expected.sha256)


async def test_overwriting_replaces_bytes_and_digest(storage: ObjectStorage, prefix: str) -> None:
    key = f"{prefix}same-key"
    await storage.put_stream(key, one(b"first version"), max_bytes=100)
    second = await storage.put_stream(key, one(b"second"), max_bytes=100)
    assert second.sha256 == hashlib.sha256(b"second").hexdigest()
    assert await storage.stat(key) == second
    assert await read_all(storage, key) == (6, second.sha256)


async def test_concurrent_uploads_do_not_mix(storage: ObjectStorage, prefix: str) -> None:
    sources = [Source(9 * MiB + n, seed=n, chunk=40_000 + n) for n in range(3)]
    stored = await asyncio.gather(
        *(storage.put_stream(f"{prefix}{n}", s.chunks(), max_bytes=16 * MiB) for n, s in enumerate(sources))
    )
    assert [(s.size, s.sha256) for s in stored] == [(s.size, s.sha256) for s in sources]
    for n, source in enumerate(sources):
        assert await read_all(storage, f"{prefix}{n}") == (source.size, source.sha256)


# ---- limits and failures leave nothing behind


@pytest.mark.parametrize("size", [0, 1, 5 * MiB + 3])
async def test_exactly_the_limit_is_accepted_one_byte_more_is_not(
    storage: ObjectStorage, prefix: str, size: int
) -> None:
    accepted = await storage.put_stream(f"{prefix}fits", Source(size).chunks(), max_bytes=size)
    assert accepted.size == size

    with pytest.raises(ObjectTooLarge) as refused:
        await storage.put_stream(f"{prefix}too-big", Source(size + 1).chunks(), max_bytes=size)
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.code == MarketplaceErrorCode.UPLOAD_TOO_LARGE == "UPLOAD_TOO_LARGE"
    assert refused.value.max_bytes == size
    assert await storage.list_keys(prefix) == [f"{prefix}fits"]


async def test_over_limit_stream_leaves_no_object_and_stops_reading(
    storage: ObjectStorage, prefix: str
) -> None:
    # Past the first 8 MiB part: on MinIO the multipart upload has begun and must be aborted.
    limit = 12 * MiB
    source = Source(40 * MiB)
    with pytest.raises(ObjectTooLarge):
        await storage.put_stream(f"{prefix}huge", source.chunks(), max_bytes=limit)
    assert await leftovers(storage, prefix) == []
    assert not await storage.exists(f"{prefix}huge")
    # The refusal comes as soon as the limit is crossed, not after the whole stream.
    assert source.sent <= limit + 2 * source.chunk


async def test_source_failing_mid_stream_leaves_no_object(storage: ObjectStorage, prefix: str) -> None:
    source = Source(30 * MiB, fail_after=17 * MiB)
    with pytest.raises(ConnectionResetError):
        await storage.put_stream(f"{prefix}broken", source.chunks(), max_bytes=64 * MiB)
    assert await leftovers(storage, prefix) == []


async def test_failed_overwrite_keeps_the_previous_object(storage: ObjectStorage, prefix: str) -> None:
    key = f"{prefix}kept"
    before = await storage.put_stream(key, one(b"the published bytes"), max_bytes=MiB)
    with pytest.raises(ObjectTooLarge):
        await storage.put_stream(key, Source(10 * MiB).chunks(), max_bytes=9 * MiB)
    assert await storage.stat(key) == before
    assert await storage.list_keys(prefix) == [key]


async def test_cancelled_upload_leaves_no_object(storage: ObjectStorage, prefix: str) -> None:
    reached = asyncio.Event()

    async def endless() -> AsyncIterator[bytes]:
        block = os.urandom(64 * 1024)
        sent = 0
        while True:
            yield block
            sent += len(block)
            if sent >= 10 * MiB:
                reached.set()
            await asyncio.sleep(0)

    upload = asyncio.create_task(storage.put_stream(f"{prefix}cancelled", endless(), max_bytes=1 << 40))
    await asyncio.wait_for(reached.wait(), timeout=60)
    upload.cancel()
    done, _ = await asyncio.wait({upload}, timeout=60)
    assert done, "the cancelled upload did not stop"
    assert upload.cancelled()
    assert await leftovers(storage, prefix) == []


# ---- missing objects, deletion, listing


async def test_missing_key(storage: ObjectStorage, prefix: str) -> None:
    key = f"{prefix}never-written"
    with pytest.raises(NotFound):
        await storage.open_stream(key)
    with pytest.raises(NotFound):
        await storage.digest(key)
    assert await storage.stat(key) is None
    assert not await storage.exists(key)
    assert await storage.list_keys(prefix) == []


async def test_delete_is_idempotent(storage: ObjectStorage, prefix: str) -> None:
    key = f"{prefix}doomed"
    await storage.put_stream(key, one(b"bytes"), max_bytes=10)
    await storage.delete(key)
    await storage.delete(key)
    await storage.delete(f"{prefix}never-there")
    assert not await storage.exists(key)
    assert await storage.stat(key) is None
    with pytest.raises(NotFound):
        await storage.open_stream(key)
    assert await leftovers(storage, prefix) == []


async def test_list_keys_is_a_string_prefix_in_order(storage: ObjectStorage, prefix: str) -> None:
    keys = [f"{prefix}a/b/2", f"{prefix}a/b/1", f"{prefix}a/c", f"{prefix}ab", f"{prefix}b"]
    for key in keys:
        await storage.put_stream(key, one(key.encode()), max_bytes=1000)
    assert await storage.list_keys(prefix) == sorted(keys)
    assert await storage.list_keys(f"{prefix}a/") == [f"{prefix}a/b/1", f"{prefix}a/b/2", f"{prefix}a/c"]
    assert await storage.list_keys(f"{prefix}a") == sorted(keys[:4])
    assert await storage.list_keys(f"{prefix}a/b/1") == [f"{prefix}a/b/1"]
    assert await storage.list_keys(f"{prefix}nothing/") == []


# ---- keys


BAD_KEYS = [
    "../x",
    "../../etc/passwd",
    "/etc/passwd",
    "/x",
    "a/../../x",
    "a/./b",
    "a//b",
    "a/",
    ".hidden",
    "a/.x.meta.json",
    "",
    "a\\..\\b",
    "C:/x",
    "a b",
    "über",
    "x\x00y",
    "a" * 513,
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_unsafe_keys_are_refused_everywhere(storage: ObjectStorage, key: str) -> None:
    calls = [
        storage.put_stream(key, one(b"escape"), max_bytes=100),
        storage.open_stream(key),
        storage.stat(key),
        storage.digest(key),
        storage.exists(key),
        storage.delete(key),
        storage.presigned_put_url(key, expires=timedelta(minutes=5)),
        storage.presigned_get_url(key, expires=timedelta(minutes=5)),
    ]
    for call in calls:
        with pytest.raises(InvalidKey) as refused:
            await call
        assert refused.value.field == "key"
    if isinstance(storage, LocalStorage):
        assert not (storage.root.parent / "x").exists()
        assert not list(storage.root.parent.glob("escape*"))


@pytest.mark.parametrize("prefix", ["../", "/", "a//", ".hidden/"])
async def test_unsafe_prefixes_are_refused(storage: ObjectStorage, prefix: str) -> None:
    with pytest.raises(InvalidKey):
        await storage.list_keys(prefix)


async def test_local_keys_stay_under_the_root(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    outside = tmp_path / "outside"
    outside.mkdir()
    local = LocalStorage(root)
    await local.put_stream("inside/ok", one(b"fine"), max_bytes=10)
    (root / "inside" / "link").symlink_to(outside, target_is_directory=True)

    for key in ("../outside/x", "inside/link/x", "inside/../../outside/x"):
        with pytest.raises(InvalidKey):
            await local.put_stream(key, one(b"escape"), max_bytes=10)
    assert list(outside.iterdir()) == []
    assert await local.list_keys() == ["inside/ok"]


# ---- the local backend's sidecar


async def test_local_digest_follows_the_file_not_a_stale_sidecar(tmp_path: Path) -> None:
    local = LocalStorage(tmp_path)
    await local.put_stream("k", one(b"original"), max_bytes=100)
    sidecar = tmp_path / ".k.meta.json"
    assert sidecar.is_file()

    (tmp_path / "k").write_bytes(b"changed outside")  # a new mtime: the sidecar no longer describes it
    changed = StoredObject(key="k", size=15, sha256=hashlib.sha256(b"changed outside").hexdigest())
    assert await local.stat("k") == changed

    sidecar.unlink()
    assert await local.stat("k") == changed
    assert sidecar.is_file()  # recomputed and remembered
    sidecar.write_text("not json")
    assert await local.stat("k") == changed
    assert await local.list_keys() == ["k"]


async def test_local_stat_reads_the_sidecar_not_the_bytes(tmp_path: Path) -> None:
    local = LocalStorage(tmp_path)
    await local.put_stream("k", one(b"some bytes"), max_bytes=100)
    sidecar = tmp_path / ".k.meta.json"
    record = json.loads(sidecar.read_text())
    record["sha256"] = "f" * 64  # still describes the same file (inode, size, mtime): stat believes it
    sidecar.write_text(json.dumps(record))
    assert await local.stat("k") == StoredObject(key="k", size=10, sha256="f" * 64)
    # digest always reads the bytes, and puts the record right
    assert (await local.digest("k")).sha256 == hashlib.sha256(b"some bytes").hexdigest()
    assert (await local.stat("k")).sha256 == hashlib.sha256(b"some bytes").hexdigest()  # type: ignore[union-attr]


# ---- presigned URLs


async def test_local_storage_has_no_presigned_urls(tmp_path: Path) -> None:
    local = LocalStorage(tmp_path)
    await local.put_stream("k", one(b"x"), max_bytes=1)
    assert await local.presigned_put_url("k", expires=timedelta(minutes=5)) is None
    assert await local.presigned_get_url("k", expires=timedelta(minutes=5), filename="k.tar.gz") is None


@pytest.mark.parametrize("expires", [timedelta(0), timedelta(days=8)])
async def test_presigned_lifetime_is_bounded(storage: ObjectStorage, prefix: str, expires: timedelta) -> None:
    with pytest.raises(ValueError, match="presigned URL lives"):
        await storage.presigned_put_url(f"{prefix}k", expires=expires)
    with pytest.raises(ValueError, match="presigned URL lives"):
        await storage.presigned_get_url(f"{prefix}k", expires=expires)


@pytest.fixture
def minio_storage(storage: ObjectStorage) -> MinioStorage:
    if not isinstance(storage, MinioStorage):
        pytest.skip("MinIO only (run with ATOM_TEST_STORAGE=minio)")
    return storage


async def test_presigned_put_then_digest(minio_storage: MinioStorage, prefix: str) -> None:
    key = f"{prefix}uploaded-directly"
    # An object with a remembered digest first: the direct PUT replaces it, and stat must notice.
    await minio_storage.put_stream(key, one(b"an older object"), max_bytes=100)
    url = await minio_storage.presigned_put_url(key, expires=timedelta(minutes=5))
    assert url is not None and url.startswith("http://127.0.0.1:")
    data = random.Random(3).randbytes(6 * MiB + 5)
    expected = StoredObject(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())

    async with httpx.AsyncClient() as http:
        response = await http.put(url, content=data)
    assert response.status_code == 200, response.text

    assert await minio_storage.stat(key) == expected
    assert await minio_storage.digest(key) == expected
    assert await read_all(minio_storage, key) == (expected.size, expected.sha256)


@pytest.mark.parametrize("header", ["metadata", "tags"])
async def test_presigned_put_cannot_plant_a_digest(
    minio_storage: MinioStorage, prefix: str, header: str
) -> None:
    # `stat` trusts a digest kept in metadata or tags; the holder of a presigned PUT URL must not be able
    # to choose it, even knowing the ETag (the MD5 of a single PUT) the object will get.
    key = f"{prefix}forged"
    sent = b"the bytes actually uploaded"
    claimed = hashlib.sha256(b"the bytes that were signed").hexdigest()
    etag = hashlib.md5(sent).hexdigest()
    forged = (
        {"x-amz-meta-sha256": claimed, "x-amz-meta-sha256-seal": "0" * 64}
        if header == "metadata"
        else {"x-amz-tagging": f"sha256={claimed}&etag={etag}&seal={'0' * 64}"}
    )
    url = await minio_storage.presigned_put_url(key, expires=timedelta(minutes=5))
    assert url is not None
    async with httpx.AsyncClient() as http:
        response = await http.put(url, content=sent, headers=forged)

    stat = await minio_storage.stat(key)
    if response.status_code == 200:  # MinIO takes unsigned tags
        assert stat == StoredObject(key=key, size=len(sent), sha256=hashlib.sha256(sent).hexdigest())
    else:  # and refuses unsigned metadata
        assert response.status_code in (400, 403), response.text
        assert stat is None


async def test_presigned_put_url_is_bound_to_its_key(minio_storage: MinioStorage, prefix: str) -> None:
    url = await minio_storage.presigned_put_url(f"{prefix}granted", expires=timedelta(minutes=5))
    assert url is not None
    async with httpx.AsyncClient() as http:
        response = await http.put(url.replace("/granted?", "/other?"), content=b"sneaky")
    assert response.status_code == 403
    assert await minio_storage.list_keys(prefix) == []


async def test_presigned_get_serves_the_exact_bytes(minio_storage: MinioStorage, prefix: str) -> None:
    key = f"{prefix}download"
    source = Source(9 * MiB + 17, seed=11)
    stored = await minio_storage.put_stream(key, source.chunks(), max_bytes=16 * MiB)
    url = await minio_storage.presigned_get_url(
        key, expires=timedelta(seconds=60), filename="acme/tool 1.0.tar.gz"
    )
    assert url is not None

    hasher = hashlib.sha256()
    async with httpx.AsyncClient() as http, http.stream("GET", url) as response:
        assert response.status_code == 200
        disposition = response.headers["content-disposition"]
        async for chunk in response.aiter_bytes():
            hasher.update(chunk)
    assert (int(response.headers["content-length"]), hasher.hexdigest()) == (stored.size, source.sha256)
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''acme%2Ftool%201.0.tar.gz" in disposition

    async with httpx.AsyncClient() as http:
        tampered = await http.get(url.replace("X-Amz-Expires=60", "X-Amz-Expires=600"))
    assert tampered.status_code == 403


class CountingPool(urllib3.PoolManager):
    """The HTTP pool the MinIO client sends through, recording each request's method and query."""

    def __init__(self) -> None:
        super().__init__(timeout=urllib3.Timeout(connect=10, read=60))
        self.requests: list[str] = []

    def urlopen(self, method: str, url: str, *args: object, **kwargs: object) -> urllib3.BaseHTTPResponse:
        query = url.partition("?")[2]
        self.requests.append(f"{method} {query.split('=')[0] if query else ''}".strip())
        return super().urlopen(method, url, *args, **kwargs)  # type: ignore[arg-type]


async def test_minio_stat_uses_the_recorded_digest(minio_storage: MinioStorage, prefix: str) -> None:
    pool = CountingPool()
    counted = MinioStorage(
        endpoint=os.environ["ATOM_TEST_MINIO_ENDPOINT"],
        access_key=os.environ["ATOM_TEST_MINIO_ACCESS_KEY"],
        secret_key=os.environ["ATOM_TEST_MINIO_SECRET_KEY"],
        bucket=minio_storage.bucket,
        http_client=pool,
    )
    await counted.exists(f"{prefix}warm-up")  # the bucket check
    small = await counted.put_stream(f"{prefix}small", one(b"small"), max_bytes=100)
    source = Source(9 * MiB)
    large = await counted.put_stream(f"{prefix}large", source.chunks(), max_bytes=16 * MiB)

    pool.requests.clear()
    assert await counted.stat(f"{prefix}small") == small
    assert pool.requests == ["HEAD"]  # the digest sealed in the metadata of a single PUT
    pool.requests.clear()
    assert await counted.stat(f"{prefix}large") == large
    assert pool.requests == ["HEAD", "GET tagging"]  # the digest sealed in the tags of a multipart upload

    # Bytes that came in around the server: the first stat reads them, and remembers.
    url = await counted.presigned_put_url(f"{prefix}direct", expires=timedelta(minutes=5))
    assert url is not None
    async with httpx.AsyncClient() as http:
        assert (await http.put(url, content=b"direct bytes")).status_code == 200
    pool.requests.clear()
    direct = await counted.stat(f"{prefix}direct")
    assert direct == StoredObject(f"{prefix}direct", 12, hashlib.sha256(b"direct bytes").hexdigest())
    assert pool.requests == ["HEAD", "GET tagging", "GET", "PUT tagging"]
    pool.requests.clear()
    assert await counted.stat(f"{prefix}direct") == direct
    assert pool.requests == ["HEAD", "GET tagging"]


async def test_minio_creates_its_bucket_when_missing(minio_storage: MinioStorage) -> None:
    client = minio_storage._client
    bucket = f"atom-test-new-{uuid.uuid4().hex[:10]}"
    assert not client.bucket_exists(bucket)
    fresh = MinioStorage(
        endpoint=os.environ["ATOM_TEST_MINIO_ENDPOINT"],
        access_key=os.environ["ATOM_TEST_MINIO_ACCESS_KEY"],
        secret_key=os.environ["ATOM_TEST_MINIO_SECRET_KEY"],
        bucket=bucket,
    )
    try:
        stored = await fresh.put_stream("k", one(b"first object"), max_bytes=100)
        assert client.bucket_exists(bucket)
        assert await fresh.stat("k") == stored
    finally:
        await fresh.delete("k")
        if client.bucket_exists(bucket):
            client.remove_bucket(bucket)


# ---- configuration


def test_settings_choose_the_storage(tmp_path: Path) -> None:
    local = Settings(home=tmp_path, storage_backend="local", storage_path=None)
    assert local.storage_config.path == tmp_path / "objects"
    storage = make_storage(local.storage_config)
    assert isinstance(storage, LocalStorage) and storage.root == tmp_path / "objects"

    minio = Settings(
        home=tmp_path,
        storage_backend="minio",
        minio_endpoint="https://s3.example.test:9443",
        minio_access_key="access",
        minio_secret_key="secret",  # type: ignore[arg-type]
        minio_bucket="artifacts",
    )
    assert "secret" not in repr(minio.storage_config)
    remote = make_storage(minio.storage_config)
    assert isinstance(remote, MinioStorage) and remote.bucket == "artifacts"
    assert remote._client._base_url.is_https


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (StorageConfig(backend="minio"), "ATOM_MINIO_ENDPOINT"),
        (StorageConfig(backend="minio", minio_endpoint="127.0.0.1:9000"), "ATOM_MINIO_ACCESS_KEY"),
        (
            StorageConfig(
                backend="minio", minio_endpoint="ftp://x", minio_access_key="a", minio_secret_key="s"
            ),
            "host:port",
        ),
    ],
)
def test_incomplete_minio_configuration_is_refused(config: StorageConfig, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_storage(config)
