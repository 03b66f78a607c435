"""Verification of an audit chain: every entry, every link, the head, every checkpoint.

Entries are read in sequence order, in batches, and checked one by one; the first problem found
is reported with the entry it is at:
- MISSING_ENTRY: a sequence number is skipped (a row was deleted, or rows were reordered);
- HASH_MISMATCH: the stored fields do not hash to the stored entry hash (a row was edited);
- BROKEN_LINK: prevHash is not the previous entry's hash (a row was replaced or moved);
- TRUNCATED: the chain head records more entries, or another last hash, than the rows give;
- CHECKPOINT_MISMATCH: a checkpoint's Merkle root differs from the entries' (history rewritten);
- BAD_SIGNATURE: a checkpoint's signature does not verify with the key it names.
The Merkle roots are computed on the fly (a compact range: one hash per level), so memory stays
flat however long the chain.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit import merkle
from domain.audit.checkpoints import verify_signature
from domain.audit.entries import GENESIS, RISK_NAMES, canonical_values
from domain.audit.models import AuditChain, AuditCheckpoint, AuditEntry
from domain.auth.models import SigningKey

BATCH = 10_000
_sha256 = hashlib.sha256


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    sequence: int
    entry_id: uuid.UUID | None
    detail: str


@dataclass(slots=True)
class Report:
    chain: str
    entries_checked: int = 0
    checkpoints_checked: int = 0
    chain_size: int = 0
    first_problem: Problem | None = None
    from_sequence: int | None = None
    to_sequence: int | None = None

    @property
    def ok(self) -> bool:
        return self.first_problem is None


@dataclass(slots=True)
class CompactRange:
    """The RFC 6962 root of a growing list of leaves, keeping one subtree hash per level."""

    size: int = 0
    _stack: list[bytes] = field(default_factory=list)

    def append(self, leaf_data: bytes) -> None:
        node = _sha256(b"\x00" + leaf_data).digest()  # merkle.leaf_hash, inlined: it runs per entry
        self.size += 1
        size = self.size
        while size % 2 == 0:  # merge the perfect subtrees the new leaf completes
            node = merkle.node_hash(self._stack.pop(), node)
            size //= 2
        self._stack.append(node)

    def root(self) -> bytes:
        if not self._stack:
            return merkle.EMPTY_ROOT
        node = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            node = merkle.node_hash(left, node)
        return node


async def verify_chain(
    session: AsyncSession,
    chain: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Report:
    """Check `chain`; with `since`/`until`, the entries of that time span (and the link into it).

    Checkpoints are checked when the span covers their whole prefix (a checkpoint's root needs
    every entry from the first)."""
    report = Report(chain)
    head = await session.get(AuditChain, chain)
    report.chain_size = head.size if head is not None else 0
    first, last = await _span(session, chain, since, until)
    report.from_sequence, report.to_sequence = first, last
    checkpoints = (
        (
            await session.execute(
                select(AuditCheckpoint).where(AuditCheckpoint.chain == chain).order_by(AuditCheckpoint.size)
            )
        )
        .scalars()
        .all()
    )
    signers = select(SigningKey.kid, SigningKey.public_jwk).where(
        SigningKey.kid.in_({c.kid for c in checkpoints})
    )
    keys: dict[str, Any] = dict((await session.execute(signers)).all())
    for checkpoint in checkpoints:
        jwk = keys.get(checkpoint.kid)
        if jwk is None or not verify_signature(checkpoint, dict(jwk)):
            report.first_problem = Problem(
                "BAD_SIGNATURE",
                checkpoint.size,
                None,
                f"Checkpoint at size {checkpoint.size} is not validly signed.",
            )
            return report
    pending = [c for c in checkpoints if first is None or first == 1]
    frontier = CompactRange()
    expected = 1 if first is None else first
    prev = GENESIS
    if expected > 1:
        before = await session.scalar(
            select(AuditEntry.entry_hash).where(
                AuditEntry.chain == chain, AuditEntry.sequence == expected - 1
            )
        )
        prev = before if before is not None else GENESIS
    async for rows in _batches(session, chain, expected - 1, last):
        for row in rows:
            problem = _check(chain, row, expected, prev)
            if problem is not None:
                report.first_problem = problem
                return report
            prev = row[14]
            report.entries_checked += 1
            frontier.append(bytes.fromhex(prev))
            while pending and pending[0].size == frontier.size:
                checkpoint = pending.pop(0)
                report.checkpoints_checked += 1
                if frontier.root().hex() != checkpoint.root_hash:
                    report.first_problem = Problem(
                        "CHECKPOINT_MISMATCH",
                        checkpoint.size,
                        None,
                        f"The entries up to {checkpoint.size} do not give the checkpoint's Merkle root.",
                    )
                    return report
            expected += 1
    whole = first is None and last is None
    if whole and head is not None and (head.size != expected - 1 or head.head_hash != prev):
        report.first_problem = Problem(
            "TRUNCATED",
            expected,
            None,
            f"The chain head records {head.size} entries; {expected - 1} are present and linked.",
        )
    elif whole and pending:
        report.first_problem = Problem(
            "TRUNCATED",
            expected,
            None,
            f"A checkpoint covers {pending[0].size} entries; {expected - 1} are present.",
        )
    return report


_COLUMNS = (
    "{id}, sequence, {time}, actor, action, target, decision, outcome, risk, reason,"
    " request_id, client_address, input_digest, prev_hash, entry_hash"
)
_WHERE = (
    " FROM audit_entries WHERE chain = :chain AND sequence > :after AND sequence <= :last"
    " ORDER BY sequence LIMIT :limit"
)
# PostgreSQL spells the id and the time as they are hashed; SQLite stores 32 hex digits and
# `YYYY-MM-DD HH:MM:SS.ffffff` (UTC, as written), respelled below.
_POSTGRES_ROWS = (
    "SELECT "
    + _COLUMNS.format(
        id="id::text", time="""to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    )
    + _WHERE
)
_SQLITE_ROWS = "SELECT " + _COLUMNS.format(id="id", time="created_at") + _WHERE
Row = tuple[Any, ...]


def _sqlite_row(row: Row) -> Row:
    h = row[0]
    when = row[2]
    return (
        f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
        row[1],
        when.replace(" ", "T", 1) + "Z" if len(when) == 26 else when,
        *row[3:],
    )


async def _batches(
    session: AsyncSession, chain: str, after: int, last: int | None
) -> AsyncIterator[list[Row]]:
    """The entries after `after` (up to `last`), a batch at a time, with plain SQL and the driver's
    own values: no ORM or type processing, which was more than half the time."""
    connection = await session.connection()
    sqlite = connection.dialect.name == "sqlite"
    query = text(_SQLITE_ROWS if sqlite else _POSTGRES_ROWS)
    upper = last if last is not None else 2**62
    while True:
        found = (
            await connection.execute(query, {"chain": chain, "after": after, "last": upper, "limit": BATCH})
        ).all()
        if not found:
            return
        rows = [_sqlite_row(tuple(r)) for r in found] if sqlite else [tuple(r) for r in found]
        yield rows
        after = rows[-1][1]


def _check(chain: str, row: Row, expected: int, prev: str) -> Problem | None:
    (entry_id, sequence, time, actor, action, target, decision, outcome, risk, reason, request_id,
     client_address, input_digest, prev_hash, stored_hash) = row  # fmt: skip
    if sequence != expected:
        return Problem(
            "MISSING_ENTRY",
            expected,
            uuid.UUID(entry_id),
            f"Entry {expected} is missing; found {sequence} next.",
        )
    if prev_hash != prev:
        return Problem(
            "BROKEN_LINK",
            sequence,
            uuid.UUID(entry_id),
            f"Entry {sequence} does not link to {sequence - 1}.",
        )
    canonical = canonical_values(
        action=action,
        actor=actor,
        chain=chain,
        client_address=client_address,
        decision=decision,
        id=entry_id,
        input_digest=input_digest,
        outcome=outcome,
        prev_hash=prev_hash,
        reason=reason,
        request_id=request_id,
        risk=RISK_NAMES[risk] if 0 <= risk < len(RISK_NAMES) else str(risk),
        sequence=sequence,
        target=target,
        time=time,
    )
    if hashlib.sha256(canonical).hexdigest() != stored_hash:
        return Problem(
            "HASH_MISMATCH",
            sequence,
            uuid.UUID(entry_id),
            f"Entry {sequence} was altered.",
        )
    return None


async def _span(
    session: AsyncSession, chain: str, since: datetime | None, until: datetime | None
) -> tuple[int | None, int | None]:
    first = last = None
    if since is not None:
        first = await session.scalar(
            select(AuditEntry.sequence)
            .where(AuditEntry.chain == chain, AuditEntry.created_at >= since)
            .order_by(AuditEntry.sequence)
            .limit(1)
        )
        first = first if first is not None else -1  # nothing in the span
    if until is not None:
        last = await session.scalar(
            select(AuditEntry.sequence)
            .where(AuditEntry.chain == chain, AuditEntry.created_at <= until)
            .order_by(AuditEntry.sequence.desc())
            .limit(1)
        )
        last = last if last is not None else 0
    if first == -1:
        return 1, 0  # an empty span
    return first, last
