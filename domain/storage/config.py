"""Which object storage to use, as plain values (the server's settings build one), and the factory."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from domain.storage.base import ObjectStorage
from domain.storage.local import LocalStorage
from domain.storage.minio_storage import MinioStorage


@dataclass(frozen=True)
class StorageConfig:
    backend: Literal["local", "minio"] = "local"
    path: Path = Path(".atom/objects")
    # MinIO / S3. The endpoint is `host:port`; `http://` or `https://` in front also sets `minio_secure`.
    minio_endpoint: str = ""
    minio_access_key: str = ""
    minio_secret_key: str = field(default="", repr=False)
    minio_bucket: str = "atom-artifacts"
    minio_region: str = "us-east-1"
    minio_secure: bool = False


def make_storage(config: StorageConfig) -> ObjectStorage:
    if config.backend == "local":
        return LocalStorage(config.path)
    if config.backend == "minio":
        endpoint, secure = _endpoint(config.minio_endpoint, config.minio_secure)
        if not (config.minio_access_key and config.minio_secret_key):
            raise ValueError("the MinIO storage needs ATOM_MINIO_ACCESS_KEY and ATOM_MINIO_SECRET_KEY")
        return MinioStorage(
            endpoint=endpoint,
            access_key=config.minio_access_key,
            secret_key=config.minio_secret_key,
            bucket=config.minio_bucket,
            region=config.minio_region,
            secure=secure,
        )
    raise ValueError(f"unknown storage backend {config.backend!r} (use local or minio)")


def _endpoint(endpoint: str, secure: bool) -> tuple[str, bool]:
    if not endpoint:
        raise ValueError("the MinIO storage needs ATOM_MINIO_ENDPOINT (host:port)")
    if "://" not in endpoint:
        return endpoint, secure
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
        raise ValueError(f"ATOM_MINIO_ENDPOINT must be host:port or http(s)://host:port, not {endpoint!r}")
    return parts.netloc, parts.scheme == "https"
