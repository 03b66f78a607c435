"""Reading the audit log: which chains a caller may read, filtered pages, a streamed export.

A member with `audit:read` reads its organization's chain; the platform operator's members with
`audit:read` may also read the platform chain (sign-ups, log-ins without an organization, the
CLI's and workers' actions). The permission itself is checked by the caller (resolvers, routes).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.audit.entries import PLATFORM, chain_of, fields_of
from domain.audit.models import AuditEntry
from domain.audit.risk import Risk
from domain.auth.models import Organization
from domain.errors import InvalidInput, PermissionDenied
from domain.pagination import Page, PageRequest, paginate
from domain.principal import Principal

EXPORT_BATCH = 1000
# The most entries a live stream sends from before it started (`auditEvents(afterSequence:)`)
REPLAY_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class AuditFilter:
    platform: bool = False  # the platform chain instead of the organization's
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    minimum_risk: Risk | None = None
    since: datetime | None = None
    until: datetime | None = None

    def checked(self) -> AuditFilter:
        for name, value in (("from", self.since), ("to", self.until)):
            if value is not None and value.tzinfo is None:
                raise InvalidInput(f"`{name}` needs a UTC offset.", code="INVALID", field=name)
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InvalidInput("`from` is after `to`.", code="INVALID_RANGE", field="from")
        for name in ("actor", "action", "target"):
            value = getattr(self, name)
            if value is not None and len(value) > 200:
                raise InvalidInput(f"`{name}` is too long.", code="INVALID", field=name)
        return self


async def chain_for(session: AsyncSession, principal: Principal, *, platform: bool) -> str:
    """The chain `principal` reads: its organization's, or (operators only) the platform's."""
    if principal.organization_id is None:
        raise PermissionDenied("Select an organization to read its audit log.")
    if not platform:
        return chain_of(principal.organization_id)
    organization = await session.get(Organization, principal.organization_id)
    if organization is None or not organization.platform_operator:
        raise PermissionDenied("Only the platform operator's members may read the platform chain.")
    return PLATFORM


async def readable_chains(session: AsyncSession, principal: Principal) -> list[str]:
    if principal.organization_id is None:
        raise PermissionDenied("Select an organization to read its audit log.")
    organization = await session.get(Organization, principal.organization_id)
    operator = organization is not None and organization.platform_operator
    return [chain_of(principal.organization_id), *([PLATFORM] if operator else [])]


def matches(where: AuditFilter, entry: AuditEntry) -> bool:
    """`where` applied to one entry (live streams filter in memory what `_query` filters in SQL)."""
    return (
        (where.actor is None or entry.actor == where.actor)
        and (where.action is None or entry.action == where.action)
        and (where.target is None or entry.target == where.target)
        and (where.minimum_risk is None or entry.risk >= int(where.minimum_risk))
        and (where.since is None or entry.created_at >= where.since)
        and (where.until is None or entry.created_at <= where.until)
    )


def _query(chain: str, where: AuditFilter) -> Select[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.chain == chain)
    if where.actor is not None:
        stmt = stmt.where(AuditEntry.actor == where.actor)
    if where.action is not None:
        stmt = stmt.where(AuditEntry.action == where.action)
    if where.target is not None:
        stmt = stmt.where(AuditEntry.target == where.target)
    if where.minimum_risk is not None:
        stmt = stmt.where(AuditEntry.risk >= int(where.minimum_risk))
    if where.since is not None:
        stmt = stmt.where(AuditEntry.created_at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEntry.created_at <= where.until)
    return stmt


async def page(
    session: AsyncSession, chain: str, where: AuditFilter, request: PageRequest, *, max_page_size: int
) -> Page[AuditEntry]:
    return await paginate(
        session, _query(chain, where.checked()), AuditEntry.id, request, max_page_size=max_page_size
    )


async def entries_after(
    session: AsyncSession, chain: str, where: AuditFilter, after_sequence: int, *, limit: int | None = None
) -> list[AuditEntry]:
    """The entries matching `where` after `after_sequence` in `chain`, in chain order. More than
    `limit` (REPLAY_LIMIT): InvalidInput (they are read page by page with `page`, or exported)."""
    limit = REPLAY_LIMIT if limit is None else limit
    stmt = (
        _query(chain, where.checked())
        .where(AuditEntry.sequence > after_sequence)
        .order_by(AuditEntry.sequence)
        .limit(limit + 1)
    )
    rows = list((await session.execute(stmt)).scalars())
    if len(rows) > limit:
        raise InvalidInput(
            f"More than {limit} entries follow sequence {after_sequence}: read them with auditLog "
            "or the export, then subscribe after the newest.",
            code="TOO_MANY_ENTRIES",
            field="afterSequence",
        )
    return rows


def export_line(entry: AuditEntry) -> dict[str, Any]:
    """An entry as exported (NDJSON) and hashed: the hashed fields plus the entry's own hash."""
    return {**fields_of(entry), "entryHash": entry.entry_hash}


async def export(
    sessionmaker: async_sessionmaker[AsyncSession], chain: str, where: AuditFilter
) -> AsyncIterator[AuditEntry]:
    """Every matching entry in chain order, read in short transactions of a thousand entries."""
    stmt = _query(chain, where.checked()).order_by(AuditEntry.sequence).limit(EXPORT_BATCH)
    after = 0
    while True:
        async with sessionmaker() as session:
            rows = list((await session.execute(stmt.where(AuditEntry.sequence > after))).scalars())
        for row in rows:
            yield row
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1].sequence


async def entry(session: AsyncSession, entry_id: uuid.UUID, chain: str) -> AuditEntry | None:
    found = await session.get(AuditEntry, entry_id)
    return found if found is not None and found.chain == chain else None
