"""Artifact bytes behind one interface: a local directory (the default) or MinIO/S3.

Uploads stream with bounded memory and are hashed (sha256) while the bytes pass; see `ObjectStorage`.
"""

from domain.storage.base import (
    DEFAULT_CHUNK_SIZE,
    InvalidKey,
    ObjectStorage,
    ObjectTooLarge,
    StoredObject,
    check_key,
    content_disposition,
)
from domain.storage.config import StorageConfig, make_storage
from domain.storage.local import LocalStorage
from domain.storage.minio_storage import MinioStorage

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "InvalidKey",
    "LocalStorage",
    "MinioStorage",
    "ObjectStorage",
    "ObjectTooLarge",
    "StorageConfig",
    "StoredObject",
    "check_key",
    "content_disposition",
    "make_storage",
]
