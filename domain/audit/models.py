"""Audit tables: entries (hash-chained per chain), each chain's head, and signed checkpoints.

A chain is one organization's (`org:<uuid>`) or the platform's (`platform`). Entries are only ever
inserted; `audit_chains` holds the head (size and last hash) that the next append extends, under
a row lock, so concurrent writers line up instead of forking the chain.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, IdMixin


class AuditEntry(IdMixin, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        UniqueConstraint("chain", "sequence"),
        Index("ix_audit_entries_org_time", "organization_id", "created_at"),
        Index("ix_audit_entries_org_action", "organization_id", "action"),
        Index("ix_audit_entries_org_actor", "organization_id", "actor"),
    )

    chain: Mapped[str] = mapped_column(String(48))
    sequence: Mapped[int] = mapped_column(BigInteger)  # 1, 2, 3 … within the chain
    organization_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(120))
    target: Mapped[str | None] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(8))  # ALLOW | DENY
    outcome: Mapped[str] = mapped_column(String(16))  # SUCCEEDED | REJECTED | FAILED | DENIED
    risk: Mapped[int] = mapped_column(SmallInteger)  # 0 NONE … 4 CRITICAL
    reason: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(128))
    client_address: Mapped[str | None] = mapped_column(String(64))
    input_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    __tablename__ = "audit_chains"

    chain: Mapped[str] = mapped_column(String(48), primary_key=True)
    organization_id: Mapped[uuid.UUID | None]
    size: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class AuditCheckpoint(IdMixin, Base):
    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("chain", "size"),)

    chain: Mapped[str] = mapped_column(String(48))
    organization_id: Mapped[uuid.UUID | None]
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    kid: Mapped[str] = mapped_column(String(64))
    # A compact JWS (EdDSA, the server's signing key) over the checkpoint statement.
    signature: Mapped[str] = mapped_column(String(1024))
