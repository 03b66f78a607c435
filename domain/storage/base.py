"""The object-storage interface every backend implements, the key rules they share and their errors.

Keys are server-made relative paths (`uploads/<id>`, `artifacts/<namespace>/<name>/<version>.tar.gz`);
one set of rules for every backend keeps a key that works on the local disk working on MinIO too.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from urllib.parse import quote

from domain.errors import InvalidInput
from domain.marketplace.errors import MarketplaceErrorCode

DEFAULT_CHUNK_SIZE = 1024 * 1024
MAX_KEY_LENGTH = 512
# No segment may start with a dot: that rules out `.` and `..`, and leaves names starting with a dot
# free for a backend's own files (the local backend's metadata sidecars and temporary files).
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._~+=@-]*")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_PRESIGN_LIFETIME = timedelta(days=7)  # the S3 signature v4 limit


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str  # lowercase hex


class ObjectTooLarge(InvalidInput):
    code = MarketplaceErrorCode.UPLOAD_TOO_LARGE

    def __init__(self, max_bytes: int, *, field: str | None = None) -> None:
        super().__init__(f"the upload is larger than the limit of {max_bytes} bytes", field=field)
        self.max_bytes = max_bytes


class InvalidKey(InvalidInput):
    """A key that is not a clean relative path (`../x`, `/etc/passwd`, `a//b`, `.hidden`, ...)."""

    code = MarketplaceErrorCode.INVALID

    def __init__(self, key: str) -> None:
        super().__init__(f"invalid object key {key!r}", field="key")
        self.key = key


class ObjectStorage(Protocol):
    """Artifact bytes. Every method is async; none holds a whole object in memory."""

    async def put_stream(self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StoredObject:
        """Store the bytes of `chunks` under `key` (replacing any object there), hashing them on the way.

        More than `max_bytes` raises `ObjectTooLarge`; then, as on any other failure, nothing is left
        under `key` (a replaced object is only replaced on success).
        """
        ...

    async def open_stream(self, key: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The object's bytes in chunks. A missing key raises `NotFound` here, before any byte is read."""
        ...

    async def stat(self, key: str) -> StoredObject | None:
        """Size and sha256, or None when there is no such object. Cheap when the backend kept the digest."""
        ...

    async def digest(self, key: str) -> StoredObject:
        """Read the whole object and hash it (after a presigned PUT that bypassed the server).

        The digest found is remembered, so a later `stat` is cheap. A missing key raises `NotFound`.
        """
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def list_keys(self, prefix: str = "") -> list[str]:
        """Every key starting with `prefix` (a plain string prefix, as in S3), sorted."""
        ...

    async def presigned_put_url(self, key: str, *, expires: timedelta) -> str | None:
        """A URL the client PUTs the bytes to directly, or None when the server must receive them itself."""
        ...

    async def presigned_get_url(
        self, key: str, *, expires: timedelta, filename: str | None = None
    ) -> str | None:
        """A URL the client downloads from directly, or None when the server must serve the bytes itself."""
        ...


def check_key(key: str) -> str:
    """`key` if it is a clean relative path of allowed segments; `InvalidKey` otherwise."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(str(key))
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise InvalidKey(key)
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: empty, a key, or a key followed by `/`."""
    if prefix == "":
        return prefix
    check_key(prefix.removesuffix("/"))
    return prefix


def check_max_bytes(max_bytes: int) -> int:
    if max_bytes < 0:
        raise ValueError("max_bytes must not be negative")
    return max_bytes


def check_expiry(expires: timedelta) -> timedelta:
    if not timedelta(seconds=1) <= expires <= MAX_PRESIGN_LIFETIME:
        raise ValueError(f"a presigned URL lives between 1 second and 7 days, not {expires}")
    return expires


def is_sha256_hex(value: str | None) -> bool:
    return value is not None and _SHA256_HEX.fullmatch(value) is not None


def content_disposition(filename: str) -> str:
    """An `attachment` Content-Disposition naming `filename`, safe for any characters it holds (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{quote(filename, safe='')}"
