"""The outbox of domain events: one row per state change, written in the change's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, IdMixin


class DomainEvent(IdMixin, Base):
    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_org", "organization_id"),)

    organization_id: Mapped[uuid.UUID | None]
    type: Mapped[str] = mapped_column(String(80))
    subject_id: Mapped[uuid.UUID | None]
    actor: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
