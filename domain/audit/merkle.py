"""Merkle trees of the audit log, in the shape of RFC 6962 section 2.1 (kept unchanged by RFC 9162).

A tree over leaf data D[0:n] (for us, each datum is an audit entry's 32-byte `entry_hash`) has the
Merkle Tree Hash MTH: SHA-256 of the empty string for no leaves, SHA-256(0x00 || d) for one leaf, and
otherwise SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])) with k the largest power of two smaller than n.
The 0x00/0x01 prefixes keep leaf and node hashes apart (no second preimages across levels).

The proofs generated here are the audit path PATH(m, D[n]) (RFC 6962 §2.1.1, RFC 9162 §2.1.3.1) and the
consistency proof PROOF(m, D[n]) (RFC 6962 §2.1.2, RFC 9162 §2.1.4.1); they are checked with the
verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, which is what an outside auditor runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one leaf."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an inner node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]): the root hash of the tree over `leaves` (EMPTY_ROOT for none)."""
    if not leaves:
        return EMPTY_ROOT
    hashes = [leaf_hash(datum) for datum in leaves]
    return _subtree_root(hashes, 0, len(hashes))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 6962 §2.1.1: the sibling hashes from the leaf up to the root."""
    size = len(leaves)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    hashes = [leaf_hash(datum) for datum in leaves]
    # The RFC recursion, unrolled top-down: each step keeps the half holding the leaf and records the
    # other half's hash. The recorded halves are disjoint, so all of them together cost at most n hashes.
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            path.append(_subtree_root(hashes, split, end))
            end = split
        else:
            path.append(_subtree_root(hashes, start, split))
            start = split
    path.reverse()  # The RFC lists the deepest sibling first.
    return path


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D[n]) of RFC 6962 §2.1.2; empty when old_size == n."""
    size = len(leaves)
    if not 0 < old_size <= size:
        raise ValueError(f"old size {old_size} is outside 1..{size}")
    hashes = [leaf_hash(datum) for datum in leaves]
    # SUBPROOF(m, D[start:end], b), unrolled top-down like the audit path. `complete` is the RFC's flag b:
    # it stays true while the subtree reached is a left edge of the old tree, whose root the verifier
    # already has, so the old tree's own root is never sent.
    proof: list[bytes] = []
    start, end, complete = 0, size, True
    while old_size - start < end - start:
        split = start + _largest_power_of_two_below(end - start)
        if old_size <= split:
            proof.append(_subtree_root(hashes, split, end))
            end = split
        else:
            proof.append(_subtree_root(hashes, start, split))
            start, complete = split, False
    if not complete:
        proof.append(_subtree_root(hashes, start, end))
    proof.reverse()  # The RFC lists the deepest subtree first.
    return proof


def verify_inclusion(leaf_data: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether `proof` shows `leaf_data` at `index` of the tree of `size` leaves with root `root`.

    RFC 9162 §2.1.3.2, with fn = index and sn = size - 1, r = leaf_hash(leaf_data):
    for each p in the proof: fail if sn == 0; if LSB(fn) is set or fn == sn, r = node(p, r) and then,
    if LSB(fn) is not set, shift fn and sn right until LSB(fn) is set or fn is 0; otherwise
    r = node(r, p); then shift fn and sn right once. Succeed if sn == 0 and r == root.
    Malformed input (index outside 0..size-1, hashes that are not 32 bytes) gives False.
    The size is not hashed into the root, so pass the root published with that size (a checkpoint):
    a path can also check out against the same root with another size.
    """
    if not (_is_count(index) and _is_count(size) and index < size):
        return False
    if not (isinstance(leaf_data, bytes | bytearray) and _is_hash(root) and all(map(_is_hash, proof))):
        return False
    fn, sn = index, size - 1
    r = leaf_hash(bytes(leaf_data))
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree (old_size, old_root) is a prefix of the tree (new_size, new_root).

    RFC 9162 §2.1.4.2, for 0 < old_size < new_size: fail on an empty proof; if old_size is a power of
    two, put old_root in front of the proof; fn = old_size - 1, sn = new_size - 1; shift both right
    while LSB(fn) is set; fr = sr = the first element; for each further c: fail if sn == 0; if LSB(fn)
    is set or fn == sn, fr = node(c, fr), sr = node(c, sr) and, if LSB(fn) is not set, shift both right
    until LSB(fn) is set or fn is 0; otherwise sr = node(sr, c); then shift both right once.
    Succeed if fr == old_root, sr == new_root and sn == 0.

    The RFC's algorithm covers 0 < old_size < new_size only; the other sizes are decided here:
    old_size == new_size needs an empty proof and equal roots; old_size == 0 needs an empty proof and
    old_root == EMPTY_ROOT (the empty tree is a prefix of every tree); old_size > new_size, negative
    sizes and hashes that are not 32 bytes give False.
    """
    if not (_is_count(old_size) and _is_count(new_size) and old_size <= new_size):
        return False
    if not (_is_hash(old_root) and _is_hash(new_root) and all(map(_is_hash, proof))):
        return False
    if old_size == 0 and old_root != EMPTY_ROOT:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = [old_root, *proof] if old_size & (old_size - 1) == 0 else list(proof)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


def _subtree_root(hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) from the leaf hashes, for start < end."""
    # The compact-range technique: push leaf hashes left to right, merging the top two entries whenever
    # they cover equally many leaves (after the c-th leaf, as often as c has trailing zero bits). The
    # stack then holds perfect subtrees whose sizes are the binary digits of end - start, largest first,
    # and folding it from the right gives MTH, whose left part is always the largest perfect subtree.
    # O(end - start) hashes, a stack of at most log2(n) + 1 entries, and no recursion.
    stack: list[bytes] = []
    for count, h in enumerate(hashes[start:end], 1):
        while not count & 1:
            h = node_hash(stack.pop(), h)
            count >>= 1
        stack.append(h)
    acc = stack.pop()
    while stack:
        acc = node_hash(stack.pop(), acc)
    return acc


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962: the largest power of two smaller than n, for n > 1."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE
