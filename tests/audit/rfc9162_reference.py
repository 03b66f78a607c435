"""An independent oracle for the Merkle tests: MTH, PATH and PROOF as the recursive definitions of
RFC 6962 §2.1 read, and the verifiers of RFC 9162 §2.1.3.2 and §2.1.4.2 step by step. Slow on purpose,
and shares no code with domain.audit.merkle."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def HASH(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def k_for(n: int) -> int:
    """The largest power of two smaller than n (n > 1), found by doubling as the RFC words it."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def MTH(D: Sequence[bytes]) -> bytes:
    """MTH({}) = SHA-256(); MTH({d(0)}) = SHA-256(0x00 || d(0)); else SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))."""
    n = len(D)
    if n == 0:
        return HASH(b"")
    if n == 1:
        return HASH(b"\x00" + D[0])
    k = k_for(n)
    return HASH(b"\x01" + MTH(D[0:k]) + MTH(D[k:n]))


def PATH(m: int, D: Sequence[bytes]) -> list[bytes]:
    """PATH(m, {d(0)}) = {}; PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k,
    and PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k."""
    n = len(D)
    if n == 1:
        return []
    k = k_for(n)
    if m < k:
        return [*PATH(m, D[0:k]), MTH(D[k:n])]
    return [*PATH(m - k, D[k:n]), MTH(D[0:k])]


def PROOF(m: int, D: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    return SUBPROOF(m, D, True)


def SUBPROOF(m: int, D: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}; for m < n:
    m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]); m > k: SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])."""
    n = len(D)
    if m == n:
        return [] if b else [MTH(D)]
    k = k_for(n)
    if m <= k:
        return [*SUBPROOF(m, D[0:k], b), MTH(D[k:n])]
    return [*SUBPROOF(m - k, D[k:n], False), MTH(D[0:k])]


def LSB(x: int) -> bool:
    return x & 1 == 1


def verify_inclusion(
    leaf_data: bytes, leaf_index: int, tree_size: int, inclusion_path: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 §2.1.3.2, one numbered step at a time. Hash lengths are checked first (the RFC's
    hashes are all 32 bytes)."""
    if len(root_hash) != 32 or any(len(p) != 32 for p in inclusion_path):
        return False
    hash_ = HASH(b"\x00" + leaf_data)
    # 1. If leaf_index >= tree_size, fail.
    if leaf_index < 0 or leaf_index >= tree_size:
        return False
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn = leaf_index
    sn = tree_size - 1
    # 3. Set r to hash.
    r = hash_
    # 4. For each value p in the inclusion_path array:
    for p in inclusion_path:
        # a. If sn is 0, stop the iteration and fail.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if LSB(fn) or fn == sn:
            # 1. Set r to HASH(0x01 || p || r).
            r = HASH(b"\x01" + p + r)
            # 2. If LSB(fn) is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
            if not LSB(fn):
                while not (LSB(fn) or fn == 0):
                    fn = fn >> 1
                    sn = sn >> 1
        else:
            # Otherwise: set r to HASH(0x01 || r || p).
            r = HASH(b"\x01" + r + p)
        # c. Finally, right-shift both fn and sn one time.
        fn = fn >> 1
        sn = sn >> 1
    # 5. Succeed if sn is 0 and r equals root_hash.
    return sn == 0 and r == root_hash


def verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, consistency_path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2, one numbered step at a time, for 0 < first < second. The other sizes follow
    the conventions documented for domain.audit.merkle.verify_consistency (the RFC leaves them open)."""
    if len(first_hash) != 32 or len(second_hash) != 32 or any(len(c) != 32 for c in consistency_path):
        return False
    if first < 0 or second < first:
        return False
    if first == 0:
        return (
            len(consistency_path) == 0
            and first_hash == HASH(b"")
            and (second > 0 or second_hash == first_hash)
        )
    if first == second:
        return len(consistency_path) == 0 and first_hash == second_hash
    # 1. If consistency_path is an empty array, stop and fail.
    if len(consistency_path) == 0:
        return False
    path = list(consistency_path)
    # 2. If first is an exact power of 2, prepend first_hash to the consistency_path array.
    if first in {2**i for i in range(first.bit_length())}:
        path = [first_hash, *path]
    # 3. Set fn to first - 1 and sn to second - 1.
    fn = first - 1
    sn = second - 1
    # 4. If LSB(fn) is set, right-shift both fn and sn equally until LSB(fn) is not set.
    while LSB(fn):
        fn = fn >> 1
        sn = sn >> 1
    # 5. Set both fr and sr to the first value in the consistency_path array.
    fr = path[0]
    sr = path[0]
    # 6. For each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # a. If sn is 0, stop the iteration and fail.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if LSB(fn) or fn == sn:
            # 1. Set fr to HASH(0x01 || c || fr).  2. Set sr to HASH(0x01 || c || sr).
            fr = HASH(b"\x01" + c + fr)
            sr = HASH(b"\x01" + c + sr)
            # 3. If LSB(fn) is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
            if not LSB(fn):
                while not (LSB(fn) or fn == 0):
                    fn = fn >> 1
                    sn = sn >> 1
        else:
            # Otherwise: set sr to HASH(0x01 || sr || c).
            sr = HASH(b"\x01" + sr + c)
        # c. Finally, right-shift both fn and sn one time.
        fn = fn >> 1
        sn = sn >> 1
    # 7. Succeed if fr equals first_hash, sr equals second_hash, and sn is 0.
    return fr == first_hash and sr == second_hash and sn == 0
