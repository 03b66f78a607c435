"""The audit log's Merkle trees (domain.audit.merkle): known answers from transparency-dev/merkle, agreement
with the independent RFC 6962 / RFC 9162 reference in rfc9162_reference.py, and tampered proofs refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from domain.audit import merkle
from tests.audit import rfc9162_reference as ref

PROPERTIES = hypothesis_settings(max_examples=100, deadline=None, database=None)

# Known answers, copied from github.com/transparency-dev/merkle (the Go library behind Trillian and
# Go's checksum database): the 8 leaves, the roots of each prefix D[0:1]..D[0:8], and the inclusion and
# consistency vectors are `leaves`, `roots`, `inclusionProofs` and `consistencyProofs` in
# proof/verify_test.go; the hasher answers are TestRFC6962Hasher in rfc6962/rfc6962_test.go. The (1, 8)
# consistency proof is also testdata/consistency/1/happy-path.json there (base64).
LEAVES_8 = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS_8 = [
    bytes.fromhex(h)
    for h in [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
# (0-based leaf index, tree size, proof); the Go table counts leaves from 1.
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (old size, new size, proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def entry_hashes(count: int, salt: bytes = b"") -> list[bytes]:
    """Distinct 32-byte leaves, like the audit entries' entry_hash values."""
    return [hashlib.sha256(salt + i.to_bytes(8, "big")).digest() for i in range(count)]


def flipped(data: bytes, position: int = 0) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x10]) + data[position + 1 :]


class Oracle:
    """What the reference says about prefixes of `leaves`: roots (cached) and honest proofs."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)
        self._roots: dict[int, bytes] = {}

    def root(self, size: int) -> bytes:
        if size not in self._roots:
            self._roots[size] = ref.MTH(self.leaves[:size])
        return self._roots[size]

    def honest_inclusion(
        self, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
    ) -> bool:
        """Whether this is a true statement about a prefix of the leaves, with its RFC 6962 audit path."""
        if not 0 <= index < size <= len(self.leaves):
            return False
        return (
            leaf == self.leaves[index]
            and root == self.root(size)
            and list(proof) == ref.PATH(index, self.leaves[:size])
        )

    def honest_consistency(
        self, old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
    ) -> bool:
        """Whether this is a true statement about two prefixes of the leaves, with its RFC 6962 proof."""
        if not 0 <= old <= new <= len(self.leaves):
            return False
        if old_root != self.root(old) or new_root != self.root(new):
            return False
        return list(proof) == (ref.PROOF(old, self.leaves[:new]) if old > 0 else [])


@dataclass(frozen=True)
class InclusionProbe:
    desc: str
    leaf: bytes
    index: int
    size: int
    proof: list[bytes]
    root: bytes


@dataclass(frozen=True)
class ConsistencyProbe:
    desc: str
    old: int
    new: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]


def proof_tamperings(proof: list[bytes], roots: Sequence[bytes]) -> list[tuple[str, list[bytes]]]:
    """The proof with one thing wrong: a flipped byte in each element, one dropped, one added."""
    out: list[tuple[str, list[bytes]]] = []
    for i in range(len(proof)):
        out.append((f"proof[{i}] first byte flipped", [*proof[:i], flipped(proof[i]), *proof[i + 1 :]]))
        out.append((f"proof[{i}] last byte flipped", [*proof[:i], flipped(proof[i], 31), *proof[i + 1 :]]))
        out.append((f"proof[{i}] one byte short", [*proof[:i], proof[i][:31], *proof[i + 1 :]]))
    if proof:
        out.append(("last element dropped", proof[:-1]))
        out.append(("first element dropped", proof[1:]))
        out.append(("first element repeated", [proof[0], *proof]))
        out.append(("empty proof", []))
    for extra in [*roots, SOME_HASH, bytes(32)]:
        out.append(("element appended", [*proof, extra]))
        out.append(("element prepended", [extra, *proof]))
    out.append(("empty element appended", [*proof, b""]))
    return out


def inclusion_probes(oracle: Oracle, index: int, size: int, proof: list[bytes]) -> list[InclusionProbe]:
    """Every way we tamper with a true inclusion statement; each probe's root is the genuine root of the
    size it claims, so a probe verifies only if it is itself an honest statement."""
    leaves, root = oracle.leaves, oracle.root(size)
    leaf = leaves[index]
    probes = [
        InclusionProbe(desc, leaf, index, size, bad, root) for desc, bad in proof_tamperings(proof, [root])
    ]
    for wrong_index in {index - 1, index + 1, index ^ 1, index ^ 2, size, -1}:
        if wrong_index != index:
            probes.append(InclusionProbe(f"index {wrong_index}", leaf, wrong_index, size, proof, root))
    for wrong_size in {size - 1, size + 1, size * 2, size // 2, index, 0}:
        if wrong_size != size and 0 <= wrong_size <= len(leaves):
            probes.append(
                InclusionProbe(f"size {wrong_size}", leaf, index, wrong_size, proof, oracle.root(wrong_size))
            )
    other_leaf = leaves[index + 1] if index + 1 < len(leaves) else leaves[index - 1]
    probes += [
        InclusionProbe("other leaf", other_leaf, index, size, proof, root),
        InclusionProbe("leaf hash given as data", merkle.leaf_hash(leaf), index, size, proof, root),
        InclusionProbe("root flipped", leaf, index, size, proof, flipped(root)),
        InclusionProbe("empty-tree root", leaf, index, size, proof, merkle.EMPTY_ROOT),
        InclusionProbe("some root", leaf, index, size, proof, SOME_HASH),
        InclusionProbe("root one byte short", leaf, index, size, proof, root[:31]),
        InclusionProbe("root one byte long", leaf, index, size, proof, root + b"\x00"),
    ]
    return probes


def consistency_probes(oracle: Oracle, old: int, new: int, proof: list[bytes]) -> list[ConsistencyProbe]:
    """Every way we tamper with a true consistency statement; wrong sizes come with their genuine roots."""
    old_root, new_root = oracle.root(old), oracle.root(new)
    probes = [
        ConsistencyProbe(desc, old, new, old_root, new_root, bad)
        for desc, bad in proof_tamperings(proof, [old_root, new_root])
    ]
    limit = len(oracle.leaves)
    for wrong_old in {old - 1, old + 1, old ^ 2, old * 2, old // 2, 0, new, new + 1}:
        if wrong_old != old and 0 <= wrong_old <= limit:
            probes.append(
                ConsistencyProbe(
                    f"old size {wrong_old}", wrong_old, new, oracle.root(wrong_old), new_root, proof
                )
            )
    for wrong_new in {new - 1, new + 1, new * 2, new // 2, old, old - 1}:
        if wrong_new != new and 0 <= wrong_new <= limit:
            probes.append(
                ConsistencyProbe(
                    f"new size {wrong_new}", old, wrong_new, old_root, oracle.root(wrong_new), proof
                )
            )
    probes += [
        ConsistencyProbe("old size -1", -1, new, old_root, new_root, proof),
        ConsistencyProbe("sizes swapped", new, old, new_root, old_root, proof),
        ConsistencyProbe("roots swapped", old, new, new_root, old_root, proof),
        ConsistencyProbe("old root flipped", old, new, flipped(old_root), new_root, proof),
        ConsistencyProbe("new root flipped", old, new, old_root, flipped(new_root, 31), proof),
        ConsistencyProbe("some old root", old, new, SOME_HASH, new_root, proof),
        ConsistencyProbe("some new root", old, new, old_root, SOME_HASH, proof),
        ConsistencyProbe("old root one byte short", old, new, old_root[:31], new_root, proof),
        ConsistencyProbe("new root one byte long", old, new, old_root, new_root + b"\x00", proof),
    ]
    return probes


def check_inclusion(oracle: Oracle, index: int, size: int) -> None:
    """merkle's audit path is the reference PATH, both verifiers accept it, and both refuse every probe
    that is not itself an honest statement."""
    leaves = oracle.leaves[:size]
    proof = merkle.inclusion_proof(leaves, index)
    assert proof == ref.PATH(index, leaves)
    root = oracle.root(size)
    assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
    assert ref.verify_inclusion(leaves[index], index, size, proof, root)
    for p in inclusion_probes(oracle, index, size, proof):
        want = oracle.honest_inclusion(p.leaf, p.index, p.size, p.proof, p.root)
        assert merkle.verify_inclusion(p.leaf, p.index, p.size, p.proof, p.root) is want, p
        assert ref.verify_inclusion(p.leaf, p.index, p.size, p.proof, p.root) is want, p
    # With the root of the true size, another size is sometimes accepted: the algorithm leaves the size
    # out of the hashes, and a checkpoint binds the two. Whatever the answer, both verifiers give it.
    for other_size in nearby_sizes(size):
        answer = ref.verify_inclusion(leaves[index], index, other_size, proof, root)
        assert merkle.verify_inclusion(leaves[index], index, other_size, proof, root) is answer, other_size


def check_consistency(oracle: Oracle, old: int, new: int) -> None:
    """merkle's consistency proof is the reference PROOF, both verifiers accept it, and both refuse every
    probe that is not itself an honest statement."""
    leaves = oracle.leaves[:new]
    proof = merkle.consistency_proof(leaves, old)
    assert proof == ref.PROOF(old, leaves)
    old_root, new_root = oracle.root(old), oracle.root(new)
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    assert ref.verify_consistency(old, new, old_root, new_root, proof)
    for p in consistency_probes(oracle, old, new, proof):
        want = oracle.honest_consistency(p.old, p.new, p.old_root, p.new_root, p.proof)
        assert merkle.verify_consistency(p.old, p.new, p.old_root, p.new_root, p.proof) is want, p
        assert ref.verify_consistency(p.old, p.new, p.old_root, p.new_root, p.proof) is want, p
    for other_old in nearby_sizes(old):
        answer = ref.verify_consistency(other_old, new, old_root, new_root, proof)
        assert merkle.verify_consistency(other_old, new, old_root, new_root, proof) is answer, other_old
    for other_new in nearby_sizes(new):
        answer = ref.verify_consistency(old, other_new, old_root, new_root, proof)
        assert merkle.verify_consistency(old, other_new, old_root, new_root, proof) is answer, other_new


def nearby_sizes(size: int) -> set[int]:
    return {size + d for d in range(-3, 4) if d} | {size * 2, size * 2 + 1, size // 2, 0}


# --- known answers ---------------------------------------------------------------------------------


def test_hashes_match_the_rfc6962_hasher_answers() -> None:
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root([]) == merkle.EMPTY_ROOT
    assert merkle.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert (
        merkle.leaf_hash(b"L123456").hex()
        == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert (
        merkle.node_hash(b"N123", b"N456").hex()
        == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_eight_leaf_vectors(size: int) -> None:
    assert merkle.root(LEAVES_8[:size]) == ROOTS_8[size - 1]
    assert ref.MTH(LEAVES_8[:size]) == ROOTS_8[size - 1]


@pytest.mark.parametrize(("index", "size", "proof_hex"), INCLUSION_VECTORS)
def test_inclusion_vectors(index: int, size: int, proof_hex: list[str]) -> None:
    proof = [bytes.fromhex(h) for h in proof_hex]
    leaves = LEAVES_8[:size]
    assert merkle.inclusion_proof(leaves, index) == proof
    assert ref.PATH(index, leaves) == proof
    assert merkle.verify_inclusion(leaves[index], index, size, proof, ROOTS_8[size - 1])
    assert ref.verify_inclusion(leaves[index], index, size, proof, ROOTS_8[size - 1])
    check_inclusion(Oracle(LEAVES_8), index, size)


@pytest.mark.parametrize(("old", "new", "proof_hex"), CONSISTENCY_VECTORS)
def test_consistency_vectors(old: int, new: int, proof_hex: list[str]) -> None:
    proof = [bytes.fromhex(h) for h in proof_hex]
    leaves = LEAVES_8[:new]
    assert merkle.consistency_proof(leaves, old) == proof
    assert ref.PROOF(old, leaves) == proof
    assert merkle.verify_consistency(old, new, ROOTS_8[old - 1], ROOTS_8[new - 1], proof)
    assert ref.verify_consistency(old, new, ROOTS_8[old - 1], ROOTS_8[new - 1], proof)
    check_consistency(Oracle(LEAVES_8), old, new)


# --- the reference, everywhere small and at random up to 200 leaves -------------------------------


def test_every_proof_of_every_tree_up_to_40_leaves() -> None:
    oracle = Oracle(entry_hashes(80, b"exhaustive"))
    for size in range(1, 41):
        assert merkle.root(oracle.leaves[:size]) == oracle.root(size)
        for index in range(size):
            check_inclusion(oracle, index, size)
        for old in range(1, size + 1):
            check_consistency(oracle, old, size)


@PROPERTIES
@given(size=st.integers(1, 200), salt=st.binary(max_size=8), data=st.data())
def test_inclusion_agrees_with_the_reference(size: int, salt: bytes, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1), label="index")
    oracle = Oracle(entry_hashes(2 * size, salt))
    assert merkle.root(oracle.leaves[:size]) == oracle.root(size)
    check_inclusion(oracle, index, size)


@PROPERTIES
@given(size=st.integers(1, 200), salt=st.binary(max_size=8), data=st.data())
def test_consistency_agrees_with_the_reference(size: int, salt: bytes, data: st.DataObject) -> None:
    old = data.draw(st.integers(1, size), label="old size")
    oracle = Oracle(entry_hashes(2 * size, salt))
    check_consistency(oracle, old, size)


@PROPERTIES
@given(leaves=st.lists(st.binary(max_size=40), min_size=1, max_size=60, unique=True), data=st.data())
def test_arbitrary_leaf_data_agrees_with_the_reference(leaves: list[bytes], data: st.DataObject) -> None:
    size = len(leaves)
    oracle = Oracle(leaves)
    assert merkle.root(leaves) == oracle.root(size)
    check_inclusion(oracle, data.draw(st.integers(0, size - 1), label="index"), size)
    check_consistency(oracle, data.draw(st.integers(1, size), label="old size"), size)


# --- edge cases ------------------------------------------------------------------------------------


def test_consistency_edge_cases() -> None:
    leaves = entry_hashes(5)
    r3, r5, empty = merkle.root(leaves[:3]), merkle.root(leaves), merkle.EMPTY_ROOT
    for verify in (merkle.verify_consistency, ref.verify_consistency):
        # The empty tree is a prefix of every tree, with nothing to prove; its root is SHA-256("").
        assert verify(0, 5, empty, r5, [])
        assert verify(0, 0, empty, empty, [])
        assert not verify(0, 5, r3, r5, [])
        assert not verify(0, 5, empty, r5, [r5])
        assert not verify(0, 0, empty, r5, [])
        # A tree is consistent with itself only, with an empty proof.
        assert verify(3, 3, r3, r3, [])
        assert not verify(3, 3, r3, r5, [])
        assert not verify(3, 3, r3, r3, [r3])
        # Trees do not shrink.
        assert not verify(5, 3, r5, r3, merkle.consistency_proof(leaves, 3))


def test_inclusion_edge_cases() -> None:
    leaves = entry_hashes(5)
    r5 = merkle.root(leaves)
    for verify in (merkle.verify_inclusion, ref.verify_inclusion):
        assert verify(b"x", 0, 1, [], merkle.leaf_hash(b"x"))
        assert not verify(b"x", 0, 0, [], merkle.EMPTY_ROOT)
        assert not verify(b"x", 1, 1, [], merkle.leaf_hash(b"x"))
        assert not verify(leaves[4], 5, 5, merkle.inclusion_proof(leaves, 4), r5)
        assert not verify(leaves[0], -1, 5, merkle.inclusion_proof(leaves, 0), r5)


def test_proof_length_is_bound_to_the_sizes_even_for_crafted_roots() -> None:
    """The RFC steps that count sn down to 0 refuse proofs longer or shorter than the sizes allow, also
    where a forger picked roots to match what the extra or missing hashes give."""
    leaves = entry_hashes(4)
    h = [merkle.leaf_hash(d) for d in leaves]
    extra = SOME_HASH
    for verify_inclusion in (merkle.verify_inclusion, ref.verify_inclusion):
        assert not verify_inclusion(leaves[0], 0, 1, [extra], merkle.node_hash(extra, h[0]))
        assert not verify_inclusion(leaves[0], 0, 4, [h[1]], merkle.node_hash(h[0], h[1]))
    proof = merkle.consistency_proof(leaves, 3)  # [h2, h3, MTH(D[0:2])]
    root3, root4 = merkle.root(leaves[:3]), merkle.root(leaves)
    for verify_consistency in (merkle.verify_consistency, ref.verify_consistency):
        assert verify_consistency(3, 4, root3, root4, proof)
        forged_old, forged_new = merkle.node_hash(extra, root3), merkle.node_hash(extra, root4)
        assert not verify_consistency(3, 4, forged_old, forged_new, [*proof, extra])
        assert not verify_consistency(3, 4, h[2], merkle.node_hash(h[2], h[3]), proof[:2])


@pytest.mark.parametrize(
    "call",
    [
        lambda: merkle.verify_inclusion("text", 0, 1, [], bytes(32)),  # type: ignore[arg-type]
        lambda: merkle.verify_inclusion(b"x", "0", 1, [], bytes(32)),  # type: ignore[arg-type]
        lambda: merkle.verify_inclusion(b"x", 0, 2, ["a" * 32], bytes(32)),  # type: ignore[list-item]
        lambda: merkle.verify_inclusion(b"x", 0, 1, [], None),  # type: ignore[arg-type]
        lambda: merkle.verify_consistency(1, 2.0, bytes(32), bytes(32), [bytes(32)]),  # type: ignore[arg-type]
        lambda: merkle.verify_consistency(1, 2, "a" * 32, bytes(32), [bytes(32)]),  # type: ignore[arg-type]
        lambda: merkle.verify_consistency(1, 2, bytes(32), bytes(32), [None]),  # type: ignore[list-item]
    ],
)
def test_verifiers_answer_false_to_values_of_the_wrong_type(call: Callable[[], bool]) -> None:
    assert call() is False


def test_generators_refuse_arguments_out_of_range() -> None:
    leaves = entry_hashes(4)
    for index in (-1, 4):
        with pytest.raises(ValueError, match="leaf index"):
            merkle.inclusion_proof(leaves, index)
    with pytest.raises(ValueError, match="leaf index"):
        merkle.inclusion_proof([], 0)
    for old in (0, 5, -1):
        with pytest.raises(ValueError, match="old size"):
            merkle.consistency_proof(leaves, old)
    assert merkle.consistency_proof(leaves, 4) == []


# --- scale -----------------------------------------------------------------------------------------


def levelwise_root(leaves: Sequence[bytes]) -> bytes:
    """MTH built bottom-up a level at a time, a lone last node moving up unchanged; the same tree
    as RFC 6962's split at the largest power of two, built another way."""
    level = [hashlib.sha256(b"\x00" + d).digest() for d in leaves]
    while len(level) > 1:
        paired = [
            hashlib.sha256(b"\x01" + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)
        ]
        level = paired + level[len(paired) * 2 :]
    return level[0]


def test_a_million_leaves() -> None:
    leaves = entry_hashes(1_000_000)
    assert merkle.root(leaves) == levelwise_root(leaves)


def test_proofs_in_a_large_tree_verify() -> None:
    leaves = entry_hashes(200_003, b"large")
    size_root = merkle.root(leaves)
    index, old = 123_457, 131_073
    proof = merkle.inclusion_proof(leaves, index)
    assert len(proof) == 18
    assert merkle.verify_inclusion(leaves[index], index, len(leaves), proof, size_root)
    assert ref.verify_inclusion(leaves[index], index, len(leaves), proof, size_root)
    old_root = merkle.root(leaves[:old])
    proof = merkle.consistency_proof(leaves, old)
    assert merkle.verify_consistency(old, len(leaves), old_root, size_root, proof)
    assert ref.verify_consistency(old, len(leaves), old_root, size_root, proof)
