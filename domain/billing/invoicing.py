"""Invoices: drafting a period's lines, previewing the current one, finalizing ended ones.

A draft is computed, never stored: for every subscription in force during the period, its plan's
fee prorated by the seconds it was in force, and one usage line per priced meter aggregated by the
database over exactly those seconds; then one line per priced package installed during the period.
Each line is rounded once (half up, `rating.round_minor`); the total is the sum of the rounded
lines, so it always equals them to the last minor unit.

Finalizing turns the draft of an ended period into an immutable invoice with the next number of the
organization's sequence. The number and the invoice are written in one transaction under an
exclusive lock on the billing account, so numbers have no gaps and no usage event can join a
period while it is being invoiced (ingestion holds a shared lock on the same row).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.audit import entries as audit
from domain.billing import rating
from domain.billing.errors import BillingErrorCode as Code
from domain.billing.lifecycle import enqueue, invoice_event
from domain.billing.models import (
    BillingAccount,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Meter,
    OutboxKind,
    PackageCharge,
    Plan,
    Subscription,
)
from domain.billing.periods import Period, period_of
from domain.billing.service import account_of, plan_prices, subscriptions_overlapping
from domain.billing.usage import PACKAGE_RUNS, aggregate
from domain.clock import clock
from domain.db import unit_of_work
from domain.errors import Conflict, DomainError, InvalidInput, NotFound
from domain.ids import to_global_id

log = logging.getLogger("atom.billing")
MAX_AMOUNT = 2**53 - 1  # minor units: exact in every client's JSON numbers, and far inside 64 bits


@dataclass(slots=True)
class LineDraft:
    kind: LineKind
    description: str
    period_start: datetime
    period_end: datetime
    quantity: Decimal
    amount: int
    meter_id: uuid.UUID | None = None
    meter_key: str | None = None
    plan_id: uuid.UUID | None = None
    package_id: uuid.UUID | None = None
    publisher_id: uuid.UUID | None = None
    publisher_share: int = 0
    price: dict[str, Any] | None = None


@dataclass(slots=True)
class InvoiceDraft:
    organization_id: uuid.UUID
    currency: str
    period: Period
    lines: list[LineDraft] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def total(self) -> int:
        return self.subtotal


def _day(at: datetime) -> str:
    return at.strftime("%Y-%m-%d")


def _share(amount: int, bps: int) -> int:
    return rating.round_minor(Decimal(amount) * bps / 10000)


async def draft(session: AsyncSession, organization_id: uuid.UUID, period: Period) -> InvoiceDraft:
    """The period's invoice as it stands now (for the current period: usage so far, fees to the end)."""
    account = await account_of(session, organization_id)
    if account is None:
        raise NotFound("The organization has no billing account yet.", code=Code.NO_SUBSCRIPTION)
    result = InvoiceDraft(organization_id, account.currency, period)
    for subscription in await subscriptions_overlapping(session, organization_id, period):
        result.lines.extend(await _subscription_lines(session, subscription, period))
    result.lines.extend(await _package_lines(session, organization_id, period))
    if any(abs(line.amount) > MAX_AMOUNT for line in result.lines) or abs(result.total) > MAX_AMOUNT:
        raise InvalidInput(
            "The invoice's amounts exceed what an invoice can carry (2^53 - 1 minor units); "
            "ask the platform operator to review the prices.",
            code=Code.AMOUNT_TOO_LARGE,
        )
    return result


async def _subscription_lines(
    session: AsyncSession, subscription: Subscription, period: Period
) -> list[LineDraft]:
    window = period.overlap(subscription.started_at, subscription.ended_at)
    if window is None:
        return []
    start, end = window
    plan = await session.get(Plan, subscription.plan_id)
    assert plan is not None
    covered = int((end - start).total_seconds())
    lines: list[LineDraft] = []
    if plan.monthly_fee:
        fee = rating.round_minor(rating.prorate(plan.monthly_fee, covered, period.seconds))
        lines.append(
            LineDraft(
                kind=LineKind.PLATFORM_FEE,
                description=f"{plan.name} plan, {_day(start)} to {_day(end)}",
                period_start=start,
                period_end=end,
                quantity=Decimal(1),
                amount=fee,
                plan_id=plan.id,
            )
        )
    for meter, spec in await plan_prices(session, plan.id):
        quantity = await aggregate(session, meter, subscription.organization_id, start, end)
        lines.append(
            LineDraft(
                kind=LineKind.USAGE,
                description=f"{plan.name} plan: {meter.name} ({meter.unit})",
                period_start=start,
                period_end=end,
                quantity=quantity,
                amount=rating.round_minor(rating.rate(spec, quantity)),
                meter_id=meter.id,
                meter_key=meter.key,
                plan_id=plan.id,
                price=spec.to_json(),
            )
        )
    return lines


async def _package_lines(
    session: AsyncSession, organization_id: uuid.UUID, period: Period
) -> list[LineDraft]:
    charges = await session.scalars(
        select(PackageCharge)
        .where(
            PackageCharge.organization_id == organization_id,
            PackageCharge.started_at < period.end,
            (PackageCharge.ended_at.is_(None)) | (PackageCharge.ended_at > period.start),
        )
        .order_by(PackageCharge.started_at, PackageCharge.id)
    )
    runs_meter: Meter | None = None
    lines: list[LineDraft] = []
    for charge in charges:
        window = period.overlap(charge.started_at, charge.ended_at)
        if window is None:
            continue
        start, end = window
        if charge.pricing_model == "MONTHLY":
            covered = int((end - start).total_seconds())
            amount = rating.round_minor(rating.prorate(charge.amount, covered, period.seconds))
            quantity = Decimal(1)
            description = f"{charge.package_name}, {_day(start)} to {_day(end)}"
        else:  # PER_RUN
            if runs_meter is None:
                runs_meter = await session.scalar(select(Meter).where(Meter.key == PACKAGE_RUNS))
                assert runs_meter is not None
            runs = await aggregate(
                session, runs_meter, organization_id, start, end, {"package": charge.package_name}
            )
            quantity = runs
            amount = rating.round_minor(runs * charge.amount)
            description = f"{charge.package_name}: {runs.normalize():f} runs"
        lines.append(
            LineDraft(
                kind=LineKind.PACKAGE,
                description=description,
                period_start=start,
                period_end=end,
                quantity=quantity,
                amount=amount,
                package_id=charge.package_id,
                publisher_id=charge.publisher_id,
                publisher_share=_share(amount, charge.publisher_share_bps),
                price={
                    "model": charge.pricing_model,
                    "amount": charge.amount,
                    "shareBps": charge.publisher_share_bps,
                },
            )
        )
    return lines


async def upcoming(session: AsyncSession, organization_id: uuid.UUID) -> InvoiceDraft:
    return await draft(session, organization_id, period_of(clock.now()))


async def finalize(
    session: AsyncSession, organization_id: uuid.UUID, period: Period, *, actor: str
) -> Invoice:
    """Make the invoice of an ended period: immutable, numbered, queued for Stripe."""
    now = clock.now()
    if period.end > now:
        raise InvalidInput(
            f"The period {period.key} has not ended; see the upcoming invoice instead.",
            code=Code.INVALID_PERIOD,
            field="period",
        )
    account = await account_of(session, organization_id, lock="update")
    if account is None:
        raise NotFound(
            "The organization has no billing account.", code=Code.NO_SUBSCRIPTION, field="organizationId"
        )
    existing = await session.scalar(
        select(Invoice).where(
            Invoice.organization_id == organization_id, Invoice.period_start == period.start
        )
    )
    if existing is not None:
        raise Conflict(
            f"The invoice of {period.key} is finalized already: {existing.number}.",
            code=Code.ALREADY_FINALIZED,
            field="period",
        )
    if not await subscriptions_overlapping(session, organization_id, period):
        raise InvalidInput(
            f"The organization had no plan in {period.key}.", code=Code.NO_SUBSCRIPTION, field="period"
        )
    computed = await draft(session, organization_id, period)
    return await _write(session, account, computed, actor=actor, at=now)


async def _write(
    session: AsyncSession, account: BillingAccount, computed: InvoiceDraft, *, actor: str, at: datetime
) -> Invoice:
    account.last_invoice_sequence += 1
    sequence = account.last_invoice_sequence
    invoice = Invoice(
        organization_id=account.organization_id,
        number=f"{account.invoice_prefix}-{sequence:04d}",
        sequence=sequence,
        status=InvoiceStatus.OPEN,
        currency=computed.currency,
        period_start=computed.period.start,
        period_end=computed.period.end,
        subtotal=computed.subtotal,
        total=computed.total,
        finalized_at=at,
        finalized_by=actor,
        paid_at=None,
        voided_at=None,
    )
    session.add(invoice)
    await session.flush()
    session.add_all(
        InvoiceLine(
            invoice_id=invoice.id,
            organization_id=account.organization_id,
            position=position,
            kind=line.kind,
            description=line.description,
            period_start=line.period_start,
            period_end=line.period_end,
            quantity=format(line.quantity.normalize(), "f"),
            amount=line.amount,
            meter_id=line.meter_id,
            plan_id=line.plan_id,
            package_id=line.package_id,
            publisher_id=line.publisher_id,
            publisher_share=line.publisher_share,
            price=line.price,
        )
        for position, line in enumerate(computed.lines)
    )
    enqueue(session, OutboxKind.INVOICE, invoice.organization_id, invoice.id)
    invoice_event(session, invoice, "invoice.finalized", actor, period=computed.period.key)
    await session.flush()
    return invoice


async def lines_of(session: AsyncSession, invoice_id: uuid.UUID) -> Sequence[InvoiceLine]:
    return list(
        await session.scalars(
            select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.position)
        )
    )


async def ended_periods_to_invoice(session: AsyncSession, now: datetime) -> list[tuple[uuid.UUID, Period]]:
    """(organization, period) pairs whose period has ended, had a plan, and has no invoice yet:
    two queries for the whole platform, the months walked in memory."""
    current = period_of(now)
    spans: dict[uuid.UUID, list[tuple[datetime, datetime | None]]] = {}
    for organization_id, started, ended in await session.execute(
        select(Subscription.organization_id, Subscription.started_at, Subscription.ended_at)
        .where(Subscription.started_at < current.start)
        .order_by(Subscription.organization_id, Subscription.started_at)
    ):
        spans.setdefault(organization_id, []).append((started, ended))
    invoiced = {
        (o, p) for o, p in await session.execute(select(Invoice.organization_id, Invoice.period_start))
    }
    due: list[tuple[uuid.UUID, Period]] = []
    for organization_id, ranges in spans.items():
        period = period_of(ranges[0][0])
        while period.start < current.start:
            if (organization_id, period.start) not in invoiced and any(
                period.overlap(started, ended) for started, ended in ranges
            ):
                due.append((organization_id, period))
            period = period.next()
    return due


async def close_ended_periods(
    sessionmaker: async_sessionmaker[AsyncSession], *, actor: str = "system:billing"
) -> list[Invoice]:
    """Finalize every ended period that has no invoice yet, each in its own transaction."""
    async with sessionmaker() as session:
        due = await ended_periods_to_invoice(session, clock.now())
    made: list[Invoice] = []
    for organization_id, period in due:
        try:
            async with unit_of_work(sessionmaker) as session:
                invoice = await finalize(session, organization_id, period, actor=actor)
                audit.record(
                    session,
                    organization_id=organization_id,
                    actor="system",
                    action="invoices.closePeriods",
                    target=to_global_id("Invoice", invoice.id),
                    reason=f"period={period.key}",
                )
                made.append(invoice)
        except DomainError as error:  # finalized meanwhile by another replica or by hand, or refused
            log.info("period %s of %s not finalized: %s", period.key, organization_id, error.code)
        except Exception:  # one organization's failure must not keep the others' invoices back
            log.exception("finalizing period %s of %s failed", period.key, organization_id)
    return made


async def amount_due(session: AsyncSession, organization_id: uuid.UUID, period: Period) -> int:
    """The draft total of a period, for AMOUNT_DUE budgets."""
    return (await draft(session, organization_id, period)).total
