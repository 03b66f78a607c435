"""Revenue and usage analytics, computed by the database from finalized invoices and stored events.

Revenue counts finalized invoices that are not void (OPEN and PAID), so every figure here adds up
to the invoices themselves. Scope: the platform operator sees every organization; a publisher sees
the charges for its own packages (amounts and its share), never who paid them (P-1: aggregates).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.billing.models import (
    MICROS,
    Aggregation,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Meter,
    UsageEvent,
)
from domain.billing.periods import Period, period_of
from domain.billing.usage import aggregate, combine, event_window, value_columns


@dataclass(frozen=True, slots=True)
class RevenueScope:
    """None: the whole platform. Otherwise the publisher whose packages' charges are counted."""

    publisher_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class RevenueRow:
    key: str  # YYYY-MM, a package id or a publisher id
    currency: str
    amount: int  # minor units billed
    publisher_share: int  # minor units owed to publishers (package charges only)
    lines: int


def _counted() -> ColumnElement[bool]:
    return Invoice.status != InvoiceStatus.VOID


def _window(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_counted()]
    if start is not None:
        where.append(Invoice.period_start >= start)
    if end is not None:
        where.append(Invoice.period_start < end)
    return where


async def revenue_by_month(
    session: AsyncSession, scope: RevenueScope, *, start: datetime | None = None, end: datetime | None = None
) -> list[RevenueRow]:
    if scope.publisher_id is None:
        # invoice totals per month, and the publishers' part of them from the lines
        rows = await session.execute(
            select(Invoice.period_start, Invoice.currency, func.sum(Invoice.total), func.count(Invoice.id))
            .where(*_window(start, end))
            .group_by(Invoice.period_start, Invoice.currency)
        )
        share_rows = await session.execute(
            select(Invoice.period_start, Invoice.currency, func.sum(InvoiceLine.publisher_share))
            .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
            .where(*_window(start, end))
            .group_by(Invoice.period_start, Invoice.currency)
        )
        shares = {(p, c): int(s or 0) for p, c, s in share_rows.all()}
        return sorted(
            (
                RevenueRow(period_of(p).key, c, int(total or 0), shares.get((p, c), 0), int(n))
                for p, c, total, n in rows.all()
            ),
            key=lambda r: (r.key, r.currency),
        )
    publisher_rows = await session.execute(
        select(
            Invoice.period_start,
            Invoice.currency,
            func.sum(InvoiceLine.amount),
            func.sum(InvoiceLine.publisher_share),
            func.count(InvoiceLine.id),
        )
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(*_window(start, end), InvoiceLine.publisher_id == scope.publisher_id)
        .group_by(Invoice.period_start, Invoice.currency)
    )
    return sorted(
        (
            RevenueRow(period_of(p).key, c, int(a or 0), int(s or 0), int(n))
            for p, c, a, s, n in publisher_rows.all()
        ),
        key=lambda r: (r.key, r.currency),
    )


async def _by_line_column(
    session: AsyncSession,
    column: Any,
    scope: RevenueScope,
    start: datetime | None,
    end: datetime | None,
) -> list[RevenueRow]:
    where = [*_window(start, end), InvoiceLine.kind == LineKind.PACKAGE, column.is_not(None)]
    if scope.publisher_id is not None:
        where.append(InvoiceLine.publisher_id == scope.publisher_id)
    rows = await session.execute(
        select(
            column,
            Invoice.currency,
            func.sum(InvoiceLine.amount),
            func.sum(InvoiceLine.publisher_share),
            func.count(InvoiceLine.id),
        )
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(*where)
        .group_by(column, Invoice.currency)
    )
    return sorted(
        (RevenueRow(str(k), c, int(a or 0), int(s or 0), int(n)) for k, c, a, s, n in rows.all()),
        key=lambda r: (-r.amount, r.key, r.currency),
    )


async def revenue_by_package(
    session: AsyncSession, scope: RevenueScope, *, start: datetime | None = None, end: datetime | None = None
) -> list[RevenueRow]:
    return await _by_line_column(session, InvoiceLine.package_id, scope, start, end)


async def revenue_by_publisher(
    session: AsyncSession, scope: RevenueScope, *, start: datetime | None = None, end: datetime | None = None
) -> list[RevenueRow]:
    return await _by_line_column(session, InvoiceLine.publisher_id, scope, start, end)


# ---------------------------------------------------------------- usage


GRANULARITIES = {"HOUR": 13, "DAY": 10}  # length of the "YYYY-MM-DD HH" / "YYYY-MM-DD" bucket label


@dataclass(frozen=True, slots=True)
class UsageBucket:
    start: datetime
    value: Decimal


@dataclass(frozen=True, slots=True)
class UsageSummary:
    meter: Meter
    period: Period
    total: Decimal  # the meter's aggregation over the whole period (what an invoice line uses)
    buckets: list[UsageBucket]


def _bucket_label(session: AsyncSession, granularity: str) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        pattern = "YYYY-MM-DD HH24" if granularity == "HOUR" else "YYYY-MM-DD"
        return func.to_char(func.timezone("UTC", UsageEvent.timestamp), pattern)
    # SQLite keeps UTC datetimes as "YYYY-MM-DD HH:MM:SS.ffffff" text
    return func.substr(UsageEvent.timestamp, 1, GRANULARITIES[granularity])


def _parse_label(label: str) -> datetime:
    if len(label) == 10:
        return datetime.strptime(label, "%Y-%m-%d").replace(tzinfo=UTC)
    return datetime.strptime(label, "%Y-%m-%d %H").replace(tzinfo=UTC)


async def usage_summary(
    session: AsyncSession, organization_id: uuid.UUID, meter: Meter, period: Period, granularity: str
) -> UsageSummary:
    """The meter per hour or day of the period (its own aggregation within each bucket), and over the
    whole period. Buckets without events are left out."""
    label = _bucket_label(session, granularity).label("bucket")
    where = event_window(organization_id, meter, period.start, period.end, None)
    if meter.aggregation is Aggregation.LATEST:
        ranked = (
            select(
                label,
                UsageEvent.quantity_micros.label("q"),
                func.row_number()
                .over(partition_by=label, order_by=(UsageEvent.timestamp.desc(), UsageEvent.id.desc()))
                .label("n"),
            )
            .where(*where)
            .subquery()
        )
        rows = await session.execute(select(ranked.c.bucket, ranked.c.q).where(ranked.c.n == 1))
        buckets = sorted(
            (UsageBucket(_parse_label(b), Decimal(int(q)) / MICROS) for b, q in rows.all()),
            key=lambda b: b.start,
        )
        total = await aggregate(session, meter, organization_id, period.start, period.end)
        return UsageSummary(meter, period, total, buckets)
    whole, rest = value_columns(meter, where)
    grouped = await session.execute(select(label, whole, rest).where(*where).group_by(label).order_by(label))
    buckets = [UsageBucket(_parse_label(b), combine(w, r)) for b, w, r in grouped.all()]
    total = await aggregate(session, meter, organization_id, period.start, period.end)
    return UsageSummary(meter, period, total, buckets)
