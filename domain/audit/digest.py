"""The input digest of an audit entry: SHA-256 over the RFC 8785 canonical JSON of the input, with
secrets and personal data replaced by "[REDACTED]" first, so the entry binds the request without
keeping what must not be kept. Field names are matched case-insensitively, at any depth."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

import rfc8785

REDACTED = "[REDACTED]"
# Secrets (passwords, tokens, key material) and personal data (e-mail addresses, names of people).
SENSITIVE_FIELDS = frozenset(
    {
        "password",
        "newpassword",
        "currentpassword",
        "token",
        "refreshtoken",
        "accesstoken",
        "secret",
        "apikey",
        "privatekey",
        "email",
        "billingemail",
        "displayname",
    }
)


def _plain(value: Any) -> Any:
    """The value as JSON data: input objects become objects, scalars their text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, decimal.Decimal | float | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _redacted(str(k), v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        present = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
        return {name: _redacted(name, v) for name, v in present if not _unset(v)}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return f"<{type(value).__name__}>"  # files and other opaque values: their kind only


def _unset(value: Any) -> bool:
    # An input field the client left out (GraphQL's "unset", distinct from null).
    return type(value).__name__ == "UnsetType"


def _redacted(name: str, value: Any) -> Any:
    key = name.replace("_", "").lower()
    if key in SENSITIVE_FIELDS and value is not None:
        return REDACTED
    return _plain(value)


def input_digest(arguments: Mapping[str, Any]) -> str:
    data = _plain(arguments)
    try:
        canonical = rfc8785.dumps(data)
    except (rfc8785.CanonicalizationError, ValueError):  # e.g. a lone surrogate in a string
        canonical = repr(data).encode("utf-8", "backslashreplace")
    return hashlib.sha256(canonical).hexdigest()
