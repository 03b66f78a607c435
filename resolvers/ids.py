"""Opaque Relay global IDs: base64url of `TypeName:uuid`."""

from __future__ import annotations

import base64
import binascii
import uuid

from domain.errors import NotFound
from domain.ids import to_global_id

__all__ = ["expect_global_id", "from_global_id", "id_or_not_found", "to_global_id"]


def from_global_id(global_id: str) -> tuple[str, uuid.UUID] | None:
    """(type name, uuid), or None when the string is not one of our IDs."""
    if len(global_id) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, value = raw.partition(":")
        return (type_name, uuid.UUID(value)) if type_name else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def id_or_not_found(global_id: str, type_name: str, field: str) -> uuid.UUID:
    """The UUID behind a global ID of `type_name`, or a NOT_FOUND domain error on `field`."""
    value = expect_global_id(global_id, type_name)
    if value is None:
        raise NotFound(f"No such {type_name}.", code="NOT_FOUND", field=field)
    return value


def expect_global_id(global_id: str, *type_names: str) -> uuid.UUID | None:
    decoded = from_global_id(global_id)
    if decoded is None or decoded[0] not in type_names:
        return None
    return decoded[1]
