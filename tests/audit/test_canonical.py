"""The server's fast canonical JSON is RFC 8785 (JCS) for every value an entry can hold: the
`rfc8785` library is the oracle. Entry values are text, safe integers and null; the keys are the
fixed, ASCII keys of `hashed_fields` (for arbitrary keys, JCS sorts by UTF-16 code units and
`json.dumps` by code points, so the claim is limited to entries on purpose)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.audit.entries import ENTRY_KEYS as HASHED_KEYS
from domain.audit.entries import canonical_entry, canonical_json, entry_hash, hashed_fields

ENTRY_KEYS = [
    "v",
    "id",
    "chain",
    "sequence",
    "time",
    "actor",
    "action",
    "target",
    "decision",
    "outcome",
    "risk",
    "reason",
    "requestId",
    "clientAddress",
    "inputDigest",
    "prevHash",
]
SAFE = 2**53 - 1

# Any Unicode scalar value: every code point but the surrogates (a lone one is not valid UTF-8).
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
values = st.one_of(texts, st.integers(min_value=-SAFE, max_value=SAFE), st.none())
entries = st.fixed_dictionaries(dict.fromkeys(ENTRY_KEYS, values))


def test_the_keys_are_those_of_an_entry() -> None:
    """ENTRY_KEYS follows hashed_fields: a new field must be added here (and to docs/audit.md)."""
    fields = hashed_fields(
        id=uuid.uuid4(),
        chain="platform",
        sequence=1,
        created_at=datetime.now(UTC),
        actor="anonymous",
        action="logIn",
        target=None,
        decision="DENY",
        outcome="DENIED",
        risk=2,
        reason="INVALID_CREDENTIALS",
        request_id=None,
        client_address=None,
        input_digest=None,
        prev_hash="0" * 64,
    )
    assert sorted(fields) == sorted(ENTRY_KEYS)
    assert canonical_json(fields) == rfc8785.dumps(fields)


@settings(max_examples=400, deadline=None)
@given(entries)
def test_canonical_json_is_rfc8785_for_entries(entry: dict[str, Any]) -> None:
    assert canonical_json(entry) == rfc8785.dumps(entry)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(ENTRY_KEYS), values))
def test_canonical_json_is_rfc8785_for_partial_entries(entry: dict[str, Any]) -> None:
    assert canonical_json(entry) == rfc8785.dumps(entry)


def test_the_awkward_characters() -> None:
    awkward = '\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f\x80 "\\/ \u2028\u2029 \ufeff \ue000 \U0001f600 é</script>'
    entry = dict.fromkeys(ENTRY_KEYS, awkward) | {"v": 1, "sequence": SAFE, "target": None, "risk": -SAFE}
    assert canonical_json(entry) == rfc8785.dumps(entry)
    for character in awkward:
        single = {"actor": character}
        assert canonical_json(single) == rfc8785.dumps(single), repr(character)


# The hashed form is written from a template (`canonical_entry`, used when writing and verifying):
# it must be exactly RFC 8785 for every value the stored columns can hold.
nullable = st.one_of(texts, st.none())
stored = st.fixed_dictionaries(
    {
        "v": st.just(1),
        "id": texts,
        "chain": texts,
        "sequence": st.integers(min_value=1, max_value=SAFE),
        "time": texts,
        "actor": texts,
        "action": texts,
        "target": nullable,
        "decision": texts,
        "outcome": texts,
        "risk": st.sampled_from(["NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"]),
        "reason": nullable,
        "requestId": nullable,
        "clientAddress": nullable,
        "inputDigest": nullable,
        "prevHash": texts,
    }
)


@settings(max_examples=400, deadline=None)
@given(stored)
def test_the_hashed_form_of_an_entry_is_rfc8785(entry: dict[str, Any]) -> None:
    assert canonical_entry(entry) == rfc8785.dumps(entry)
    assert entry_hash(entry) == hashlib.sha256(rfc8785.dumps(entry)).hexdigest()


def test_the_hashed_form_has_every_field() -> None:
    assert sorted(ENTRY_KEYS) == sorted(HASHED_KEYS)
