"""Database identifiers: time-ordered UUIDv7, so keyset pagination by id follows creation order.

RFC 9562 UUIDv7 with a 12-bit counter in `rand_a` ("method 1"): ids made in the same millisecond
by this process count up, and a full counter borrows the next millisecond, so every id is larger
than the one made before it. `new_ids(n)` makes a batch from one read of randomness (usage ingestion
makes a thousand at a time).
"""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
_COUNTER_MAX = 0xFFF


def new_ids(n: int) -> list[uuid.UUID]:
    global _last_ms, _counter
    randomness = os.urandom(8 * n)
    out: list[uuid.UUID] = []
    with _lock:
        now = time.time_ns() // 1_000_000
        for k in range(n):
            if now > _last_ms:
                _last_ms, _counter = now, 0
            elif _counter < _COUNTER_MAX:
                _counter += 1
            else:  # 4096 ids in one millisecond: borrow the next one
                _last_ms, _counter = _last_ms + 1, 0
            rand_b = int.from_bytes(randomness[8 * k : 8 * k + 8], "big") & ((1 << 62) - 1)
            value = (_last_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | _counter << 64 | 0b10 << 62 | rand_b
            out.append(uuid.UUID(int=value))
    return out


def new_id() -> uuid.UUID:
    return new_ids(1)[0]


def to_global_id(type_name: str, id_: uuid.UUID) -> str:
    """The opaque Relay global ID of an object (base64url of `TypeName:uuid`); audit entries name
    their targets with it too."""
    return base64.urlsafe_b64encode(f"{type_name}:{id_}".encode()).decode().rstrip("=")
