"""Writing audit entries: recorded during a transaction, chained when it commits.

`record()` queues an entry on the session. Just before the session's transaction commits, the
queued entries of each chain get their sequence numbers and hashes from the chain's head, which
is locked (`SELECT … FOR UPDATE` on PostgreSQL; SQLite writers are serial), in chain order so two
transactions never wait on each other crosswise. So the entries commit with the change or not at
all, and concurrent writers line up: a chain never forks.

entry_hash = SHA-256 over the RFC 8785 canonical JSON of the entry's fields (`hashed_fields`),
prevHash included. Entry fields are strings, safe integers and null only; for those, RFC 8785 is
sorted keys, no whitespace, UTF-8, minimal escaping, which `json.dumps` writes (tests compare it
with the `rfc8785` library), several times faster than the general implementation.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, cast

from sqlalchemy import Table, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from domain.audit.models import AuditChain, AuditEntry
from domain.audit.risk import ACCESS_ACTIONS, Risk, classify
from domain.clock import clock
from domain.events.bus import BusEvent, release_after_commit
from domain.events.postgres import register_fetcher
from domain.ids import new_id

GENESIS = "0" * 64
RISK_NAMES = tuple(r.name for r in Risk)
PLATFORM = "platform"
FORMAT_VERSION = 1
_PENDING = "atom.audit_pending"

DECISIONS = ("ALLOW", "DENY")
OUTCOMES = ("SUCCEEDED", "REJECTED", "FAILED", "DENIED")


def chain_of(organization_id: uuid.UUID | None) -> str:
    return f"org:{organization_id}" if organization_id is not None else PLATFORM


def format_time(value: datetime) -> str:
    """UTC, microseconds always written: one spelling per instant."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hashed_fields(
    *,
    id: uuid.UUID,
    chain: str,
    sequence: int,
    created_at: datetime,
    actor: str,
    action: str,
    target: str | None,
    decision: str,
    outcome: str,
    risk: int,
    reason: str | None,
    request_id: str | None,
    client_address: str | None,
    input_digest: str | None,
    prev_hash: str,
) -> dict[str, Any]:
    """The entry as it is hashed (and exported): docs/audit.md names each field."""
    return {
        "v": FORMAT_VERSION,
        "id": str(id),
        "chain": chain,
        "sequence": sequence,
        "time": format_time(created_at),
        "actor": actor,
        "action": action,
        "target": target,
        "decision": decision,
        "outcome": outcome,
        "risk": RISK_NAMES[risk],
        "reason": reason,
        "requestId": request_id,
        "clientAddress": client_address,
        "inputDigest": input_digest,
        "prevHash": prev_hash,
    }


ENTRY_KEYS = (
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
)
# The canonical form of an entry: its keys in RFC 8785 order (all ASCII, so code point order).
_SORTED_KEYS = tuple(sorted(ENTRY_KEYS))
_ENTRY_TEMPLATE = "{" + ",".join(f'"{key}":%s' for key in _SORTED_KEYS) + "}"


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)  # C: RFC 8785's string escaping


def canonical_values(
    *,
    action: str,
    actor: str,
    chain: str,
    client_address: str | None,
    decision: str,
    id: str,
    input_digest: str | None,
    outcome: str,
    prev_hash: str,
    reason: str | None,
    request_id: str | None,
    risk: str,
    sequence: int,
    target: str | None,
    time: str,
) -> bytes:
    """RFC 8785 JSON of an entry, written from a template (verification runs this per entry);
    tests check it against the `rfc8785` library."""
    return (
        _ENTRY_TEMPLATE
        % (
            encode_basestring(action),
            encode_basestring(actor),
            encode_basestring(chain),
            _text(client_address),
            encode_basestring(decision),
            encode_basestring(id),
            _text(input_digest),
            encode_basestring(outcome),
            encode_basestring(prev_hash),
            _text(reason),
            _text(request_id),
            encode_basestring(risk),
            int(sequence),
            _text(target),
            encode_basestring(time),
            FORMAT_VERSION,
        )
    ).encode()


def canonical_entry(fields: dict[str, Any]) -> bytes:
    return canonical_values(
        action=fields["action"],
        actor=fields["actor"],
        chain=fields["chain"],
        client_address=fields["clientAddress"],
        decision=fields["decision"],
        id=fields["id"],
        input_digest=fields["inputDigest"],
        outcome=fields["outcome"],
        prev_hash=fields["prevHash"],
        reason=fields["reason"],
        request_id=fields["requestId"],
        risk=fields["risk"],
        sequence=fields["sequence"],
        target=fields["target"],
        time=fields["time"],
    )


def entry_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_entry(fields)).hexdigest()


# The columns `hashed_fields` takes, by name.
HASHED_COLUMNS = tuple(inspect.signature(hashed_fields).parameters)


def fields_of(entry: AuditEntry) -> dict[str, Any]:
    return hashed_fields(**{column: getattr(entry, column) for column in HASHED_COLUMNS})


@dataclass(frozen=True, slots=True)
class PendingEntry:
    id: uuid.UUID
    organization_id: uuid.UUID | None
    created_at: datetime
    actor: str
    action: str
    target: str | None
    decision: str
    outcome: str
    risk: Risk
    reason: str | None
    request_id: str | None
    client_address: str | None
    input_digest: str | None


# A queued entry's fields are columns of its row.
_PENDING_COLUMNS = tuple(f.name for f in dataclasses.fields(PendingEntry))


def record(
    session: AsyncSession | Session,
    *,
    organization_id: uuid.UUID | None,
    actor: str,
    action: str,
    decision: str = "ALLOW",
    outcome: str = "SUCCEEDED",
    target: str | None = None,
    reason: str | None = None,
    request_id: str | None = None,
    client_address: str | None = None,
    input_digest: str | None = None,
    read: bool = False,
) -> PendingEntry:
    """Queue an entry; it is chained and written when the session's transaction commits."""
    if decision not in DECISIONS or outcome not in OUTCOMES:
        raise ValueError(f"bad audit decision/outcome {decision}/{outcome}")
    entry = PendingEntry(
        id=new_id(),
        organization_id=organization_id,
        created_at=clock.now(),
        actor=actor[:80],
        action=action[:120],
        target=target[:200] if target else None,
        decision=decision,
        outcome=outcome,
        risk=classify(action, decision=decision, outcome=outcome, read=read),
        reason=reason[:200] if reason else None,
        request_id=request_id[:128] if request_id else None,
        client_address=client_address[:64] if client_address else None,
        input_digest=input_digest,
    )
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(_PENDING, []).append(entry)
    return entry


def has_pending(session: AsyncSession) -> bool:
    return bool(session.sync_session.info.get(_PENDING))


_ENTRIES = cast(Table, AuditEntry.__table__)
_CHAINS = cast(Table, AuditChain.__table__)


def _lock_head(session: Session, chain: str, organization_id: uuid.UUID | None) -> tuple[int, str]:
    """The chain's (size, head hash), its row locked until the commit; made on first use."""
    head = select(AuditChain.size, AuditChain.head_hash).where(AuditChain.chain == chain).with_for_update()
    row = session.execute(head).one_or_none()
    if row is None:  # the chain's first entry: make its head (or find the one a concurrent writer made)
        values = {
            "chain": chain,
            "organization_id": organization_id,
            "size": 0,
            "head_hash": GENESIS,
            "updated_at": clock.now(),
        }
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(AuditChain).values(values).on_conflict_do_nothing())
        row = session.execute(head).one()
    return int(row.size), str(row.head_hash)


def bus_event(row: dict[str, Any]) -> BusEvent:
    """An entry as a live event: its fields in the payload (camelCase), so subscribers need no read."""
    return BusEvent(
        id=row["id"],
        stream="audit",
        type=row["action"],
        organization_id=row["organization_id"],
        subject_id=None,
        actor=row["actor"],
        payload={
            "chain": row["chain"],
            "sequence": row["sequence"],
            "decision": row["decision"],
            "outcome": row["outcome"],
            "risk": Risk(row["risk"]).name,
            "target": row["target"],
            "reason": row["reason"],
            "requestId": row["request_id"],
            "clientAddress": row["client_address"],
            "inputDigest": row["input_digest"],
            "prevHash": row["prev_hash"],
            "entryHash": row["entry_hash"],
            "accessChange": row["action"] in ACCESS_ACTIONS
            and row["decision"] == "ALLOW"
            and row["outcome"] == "SUCCEEDED",
        },
        created_at=row["created_at"],
    )


def entry_of_event(item: BusEvent) -> AuditEntry:
    """The (transient) entry a live audit event carries."""
    p = item.payload
    return AuditEntry(
        id=item.id,
        chain=p["chain"],
        sequence=p["sequence"],
        organization_id=item.organization_id,
        created_at=item.created_at,
        actor=item.actor,
        action=item.type,
        target=p["target"],
        decision=p["decision"],
        outcome=p["outcome"],
        risk=int(Risk[p["risk"]]),
        reason=p["reason"],
        request_id=p["requestId"],
        client_address=p["clientAddress"],
        input_digest=p["inputDigest"],
        prev_hash=p["prevHash"],
        entry_hash=p["entryHash"],
    )


@event.listens_for(Session, "before_commit")
def _append(session: Session) -> None:
    # before_commit fires when a SAVEPOINT is released too: entries wait for the real commit (a
    # savepoint rolled back later must not take earlier mutations' entries with it).
    if session.in_nested_transaction():
        return
    pending: list[PendingEntry] = session.info.pop(_PENDING, [])
    if not pending:
        return
    by_chain: dict[str, list[PendingEntry]] = defaultdict(list)
    for item in pending:
        by_chain[chain_of(item.organization_id)].append(item)
    now = clock.now()
    for chain in sorted(by_chain):  # one lock order for every writer: no crosswise waits
        items = by_chain[chain]
        size, prev = _lock_head(session, chain, items[0].organization_id)
        rows = []
        for item in items:
            size += 1
            row = {name: getattr(item, name) for name in _PENDING_COLUMNS}
            row.update(chain=chain, sequence=size, risk=int(item.risk), prev_hash=prev)
            row["entry_hash"] = prev = entry_hash(hashed_fields(**{c: row[c] for c in HASHED_COLUMNS}))
            rows.append(row)
        # Core statements on the session's connection: the ORM's bulk paths cost more than the SQL.
        connection = session.connection()
        connection.execute(_ENTRIES.insert(), rows)
        connection.execute(
            _CHAINS.update().where(_CHAINS.c.chain == chain).values(size=size, head_hash=prev, updated_at=now)
        )
        for row in rows:
            release_after_commit(session, bus_event(row))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)


async def _fetch(session: AsyncSession, entry_id: uuid.UUID) -> BusEvent | None:
    """An audit entry as a bus event, for a transport that sent it by reference."""
    row = (
        (await session.execute(select(AuditEntry.__table__).where(AuditEntry.id == entry_id)))
        .mappings()
        .first()
    )
    return bus_event(dict(row)) if row is not None else None


register_fetcher("audit", _fetch)
