"""Object storage in a local directory, the embedded default.

Each object is a file at `<root>/<key>`, written to a temporary file in the same directory and renamed
into place, so readers see the old object or the new one, never half of one. Its size and sha256 sit in
a sidecar `.<name>.meta.json` next to it, tied to the file's inode, size and mtime so that a sidecar
that does not describe the file (a crash between the two renames, an outside change) is ignored and
the digest recomputed. Blocking file I/O runs in worker threads; the event loop only moves chunks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

import anyio.to_thread

from domain.errors import NotFound
from domain.storage.base import (
    DEFAULT_CHUNK_SIZE,
    InvalidKey,
    ObjectTooLarge,
    StoredObject,
    check_expiry,
    check_key,
    check_max_bytes,
    check_prefix,
    is_sha256_hex,
)

# Chunks arriving from the network are small (64 KB from an ASGI server); writing them in batches
# keeps the thread hops few while the memory held stays bounded by this figure.
WRITE_BATCH_BYTES = 1024 * 1024
_META_SUFFIX = ".meta.json"


class LocalStorage:
    def __init__(self, root: Path | str, *, fsync: bool = True) -> None:
        self.root = Path(root).absolute()
        self._fsync = fsync

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    # -- paths

    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*check_key(key).split("/"))
        # The key rules already keep a path inside the root; a symlink planted under it must not lead out.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InvalidKey(key)
        return path

    @staticmethod
    def _meta_path(path: Path) -> Path:
        return path.with_name(f".{path.name}{_META_SUFFIX}")

    # -- writing

    async def put_stream(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StoredObject:
        path = self._path(key)
        check_max_bytes(max_bytes)
        await anyio.to_thread.run_sync(lambda: path.parent.mkdir(parents=True, exist_ok=True))
        fd, temp_name = await anyio.to_thread.run_sync(
            lambda: tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        )
        temp = Path(temp_name)
        hasher = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                batch: list[bytes] = []
                batched = 0
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise ObjectTooLarge(max_bytes)
                    batch.append(chunk)
                    batched += len(chunk)
                    if batched >= WRITE_BATCH_BYTES:
                        await anyio.to_thread.run_sync(_write_batch, handle, batch, hasher)
                        batch, batched = [], 0
                await anyio.to_thread.run_sync(_write_batch, handle, batch, hasher)
                if self._fsync:
                    await anyio.to_thread.run_sync(handle.flush)
                    await anyio.to_thread.run_sync(os.fsync, handle.fileno())
            stored = StoredObject(key=key, size=size, sha256=hasher.hexdigest())
            await anyio.to_thread.run_sync(self._install, temp, path, stored)
        except BaseException:
            # Cancelled or failed: the temporary file goes, whatever was under the key stays as it was.
            # Synchronously: a cancelled task cannot await a worker thread any more, and unlink is quick.
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()  # noqa: ASYNC240
            raise
        return stored

    def _install(self, temp: Path, path: Path, stored: StoredObject) -> None:
        meta = self._meta_path(path)
        # The old sidecar goes first: a crash before the new one is written leaves an object without a
        # sidecar (its digest is recomputed), never an object described by its predecessor's sidecar.
        with contextlib.suppress(FileNotFoundError):
            meta.unlink()
        temp.replace(path)
        if self._fsync:
            _fsync_directory(path.parent)
        self._write_meta(path, stored)

    def _write_meta(self, path: Path, stored: StoredObject) -> None:
        info = path.stat()
        record = {
            "size": stored.size,
            "sha256": stored.sha256,
            "inode": info.st_ino,
            "mtime_ns": info.st_mtime_ns,
        }
        meta = self._meta_path(path)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f"{meta.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(record, handle)
            os.replace(temp_name, meta)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise

    # -- reading

    async def open_stream(self, key: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self._path(key)
        if not await anyio.to_thread.run_sync(path.is_file):
            raise NotFound(f"no object {key!r}")
        return self._read_chunks(key, path, chunk_size)

    async def _read_chunks(self, key: str, path: Path, chunk_size: int) -> AsyncIterator[bytes]:
        try:
            handle: BinaryIO = await anyio.to_thread.run_sync(path.open, "rb")
        except FileNotFoundError:  # deleted between open_stream and the first read
            raise NotFound(f"no object {key!r}") from None
        try:
            while chunk := await anyio.to_thread.run_sync(handle.read, chunk_size):
                yield chunk
        finally:
            handle.close()

    async def stat(self, key: str) -> StoredObject | None:
        path = self._path(key)
        return await anyio.to_thread.run_sync(self._stat, key, path)

    def _stat(self, key: str, path: Path) -> StoredObject | None:
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        record = _read_json(self._meta_path(path))
        if (
            record is not None
            and record.get("inode") == info.st_ino
            and record.get("mtime_ns") == info.st_mtime_ns
            and record.get("size") == info.st_size
            and is_sha256_hex(record.get("sha256"))
        ):
            return StoredObject(key=key, size=info.st_size, sha256=str(record["sha256"]))
        try:
            return self._digest(key, path)
        except NotFound:
            return None

    async def digest(self, key: str) -> StoredObject:
        path = self._path(key)
        return await anyio.to_thread.run_sync(self._digest, key, path)

    def _digest(self, key: str, path: Path) -> StoredObject:
        hasher = hashlib.sha256()
        size = 0
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(DEFAULT_CHUNK_SIZE):
                    hasher.update(chunk)
                    size += len(chunk)
        except (FileNotFoundError, IsADirectoryError):
            raise NotFound(f"no object {key!r}") from None
        stored = StoredObject(key=key, size=size, sha256=hasher.hexdigest())
        with contextlib.suppress(OSError):  # the digest is right even when it cannot be remembered
            self._write_meta(path, stored)
        return stored

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return await anyio.to_thread.run_sync(path.is_file)

    async def list_keys(self, prefix: str = "") -> list[str]:
        check_prefix(prefix)
        return await anyio.to_thread.run_sync(self._list_keys, prefix)

    def _list_keys(self, prefix: str) -> list[str]:
        directory = prefix.rpartition("/")[0]
        start = self.root.joinpath(*directory.split("/")) if directory else self.root
        keys: list[str] = []
        for current, dirs, files in os.walk(start):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            relative = Path(current).relative_to(self.root).as_posix()
            for name in files:
                if name.startswith("."):
                    continue
                key = name if relative == "." else f"{relative}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    # -- removing

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(self._delete, path)

    def _delete(self, path: Path) -> None:
        for target in (path, self._meta_path(path)):
            with contextlib.suppress(FileNotFoundError):
                target.unlink()

    # -- direct transfers: the local backend has none, the server moves the bytes itself

    async def presigned_put_url(self, key: str, *, expires: timedelta) -> str | None:
        check_key(key)
        check_expiry(expires)
        return None

    async def presigned_get_url(
        self, key: str, *, expires: timedelta, filename: str | None = None
    ) -> str | None:
        check_key(key)
        check_expiry(expires)
        return None


def _write_batch(handle: BinaryIO, batch: list[bytes], hasher: Any) -> None:
    for chunk in batch:
        hasher.update(chunk)
        handle.write(chunk)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with path.open() as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
