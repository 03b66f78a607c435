"""Signed checkpoints of audit chains, and the proofs that tie entries and checkpoints together.

A checkpoint states (chain, size, Merkle root of the first `size` entry hashes, time, issuer); the
statement is signed as a compact JWS (EdDSA) by the server's current JWT signing key, so anyone
holding the public key (`/.well-known/audit-keys.json`, or the JWKS while the key is current)
can check it offline. Leaves are the 32-byte entry hashes, in sequence order, in the RFC 6962 tree.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import merkle
from domain.audit.entries import canonical_json, format_time
from domain.audit.models import AuditChain, AuditCheckpoint, AuditEntry
from domain.auth.keys import ALGORITHM, KeyRing
from domain.auth.models import SigningKey
from domain.clock import clock
from domain.errors import InvalidInput, NotFound

STATEMENT_TYPE = "atom-audit-checkpoint+jws"


def statement(*, chain: str, size: int, root_hash: str, time: str, issuer: str) -> dict[str, Any]:
    return {"chain": chain, "size": size, "rootHash": root_hash, "time": time, "issuer": issuer}


async def leaves(session: AsyncSession, chain: str, size: int) -> list[bytes]:
    """The first `size` entry hashes of `chain`, as Merkle leaf data."""
    rows = await session.execute(
        select(AuditEntry.entry_hash)
        .where(AuditEntry.chain == chain, AuditEntry.sequence <= size)
        .order_by(AuditEntry.sequence)
    )
    return [bytes.fromhex(value) for value in rows.scalars()]


async def latest(session: AsyncSession, chain: str) -> AuditCheckpoint | None:
    return (
        await session.execute(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.chain == chain)
            .order_by(AuditCheckpoint.size.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def recent(session: AsyncSession, chain: str, limit: int) -> list[AuditCheckpoint]:
    rows = await session.execute(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.chain == chain)
        .order_by(AuditCheckpoint.size.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def create(session: AsyncSession, keyring: KeyRing, *, chain: str, issuer: str) -> AuditCheckpoint:
    """A checkpoint of the chain as committed now (the existing one if the chain has not grown)."""
    head = await session.get(AuditChain, chain)
    if head is None or head.size == 0:
        raise InvalidInput("The audit chain has no entries yet.", code="EMPTY_CHAIN", field="chain")
    existing = (
        await session.execute(
            select(AuditCheckpoint).where(AuditCheckpoint.chain == chain, AuditCheckpoint.size == head.size)
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    hashes = await leaves(session, chain, head.size)
    if len(hashes) != head.size:
        raise InvalidInput(
            "The audit chain is missing entries; run verification.", code="CHAIN_BROKEN", field="chain"
        )
    root_hash = merkle.root(hashes).hex()
    now = clock.now()
    body = statement(chain=chain, size=head.size, root_hash=root_hash, time=format_time(now), issuer=issuer)
    key = await keyring.signing_key(session)
    signature = jwt.api_jws.encode(
        canonical_json(body),
        key.private_key,
        algorithm=ALGORITHM,
        headers={"kid": key.kid, "typ": STATEMENT_TYPE},
    )
    checkpoint = AuditCheckpoint(
        chain=chain,
        organization_id=head.organization_id,
        size=head.size,
        root_hash=root_hash,
        created_at=now,
        kid=key.kid,
        signature=signature,
    )
    session.add(checkpoint)
    await session.flush()
    return checkpoint


async def create_due(session: AsyncSession, keyring: KeyRing, *, issuer: str) -> list[AuditCheckpoint]:
    """Checkpoints for every chain that grew since its latest checkpoint."""
    covered = (
        select(AuditCheckpoint.chain, func.max(AuditCheckpoint.size).label("size"))
        .group_by(AuditCheckpoint.chain)
        .subquery()
    )
    due = await session.execute(
        select(AuditChain.chain)
        .outerjoin(covered, covered.c.chain == AuditChain.chain)
        .where(AuditChain.size > func.coalesce(covered.c.size, 0))
        .order_by(AuditChain.chain)
    )
    return [await create(session, keyring, chain=chain, issuer=issuer) for chain in due.scalars()]


async def public_keys(session: AsyncSession) -> dict[str, Any]:
    """JWKS of every key that signed a checkpoint, retired ones included (public halves only)."""
    kids = select(AuditCheckpoint.kid).distinct()
    rows = await session.execute(select(SigningKey.public_jwk).where(SigningKey.kid.in_(kids)))
    return {"keys": [dict(jwk) for jwk in rows.scalars()]}


def statement_of(checkpoint: AuditCheckpoint) -> str:
    """The statement the checkpoint's JWS signs (its payload), as text."""
    payload = checkpoint.signature.split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def verify_signature(checkpoint: AuditCheckpoint, jwk: dict[str, Any], *, issuer: str | None = None) -> bool:
    """The checkpoint's JWS is valid under `jwk` and states exactly the stored checkpoint."""
    try:
        key = OKPAlgorithm.from_jwk(json.dumps(jwk))
        if not isinstance(key, Ed25519PublicKey):
            return False
        payload = jwt.api_jws.decode(checkpoint.signature, key, algorithms=[ALGORITHM])
        stated = json.loads(payload)
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return False
    return bool(
        stated.get("chain") == checkpoint.chain
        and stated.get("size") == checkpoint.size
        and stated.get("rootHash") == checkpoint.root_hash
        and stated.get("time") == format_time(checkpoint.created_at)
        and (issuer is None or stated.get("issuer") == issuer)
    )


@dataclass(frozen=True, slots=True)
class InclusionProof:
    entry: AuditEntry
    checkpoint: AuditCheckpoint
    leaf_index: int
    hashes: Sequence[bytes]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    older: AuditCheckpoint
    newer: AuditCheckpoint
    hashes: Sequence[bytes]


async def inclusion(session: AsyncSession, entry: AuditEntry, checkpoint: AuditCheckpoint) -> InclusionProof:
    if entry.chain != checkpoint.chain:
        raise InvalidInput("The entry is in another chain.", code="OTHER_CHAIN", field="checkpoint")
    if entry.sequence > checkpoint.size:
        raise InvalidInput(
            "The entry is newer than the checkpoint.", code="NOT_IN_CHECKPOINT", field="checkpoint"
        )
    hashes = await leaves(session, checkpoint.chain, checkpoint.size)
    _check_complete(hashes, checkpoint)
    proof = merkle.inclusion_proof(hashes, entry.sequence - 1)
    return InclusionProof(entry, checkpoint, entry.sequence - 1, proof)


async def consistency(
    session: AsyncSession, older: AuditCheckpoint, newer: AuditCheckpoint
) -> ConsistencyProof:
    if older.chain != newer.chain:
        raise InvalidInput(
            "The checkpoints are of different chains.", code="OTHER_CHAIN", field="toCheckpoint"
        )
    if older.size > newer.size:
        raise InvalidInput(
            "`fromCheckpoint` is larger than `toCheckpoint`.", code="CHECKPOINT_ORDER", field="fromCheckpoint"
        )
    hashes = await leaves(session, newer.chain, newer.size)
    _check_complete(hashes, newer)
    return ConsistencyProof(older, newer, merkle.consistency_proof(hashes, older.size))


def _check_complete(hashes: Sequence[bytes], checkpoint: AuditCheckpoint) -> None:
    if len(hashes) != checkpoint.size:
        raise InvalidInput(
            "Entries of this checkpoint are missing; run verification.",
            code="CHAIN_BROKEN",
            field="checkpoint",
        )


async def get(
    session: AsyncSession, checkpoint_id: uuid.UUID, chains: Sequence[str], *, field: str = "checkpoint"
) -> AuditCheckpoint:
    found = await session.get(AuditCheckpoint, checkpoint_id)
    if found is None or found.chain not in chains:
        raise NotFound("No such audit checkpoint.", code="NOT_FOUND", field=field)
    return found
