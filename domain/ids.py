"""Database identifiers: time-ordered UUIDv7, so keyset pagination by id follows creation order."""

import uuid

import uuid6


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid6.uuid7().bytes)
