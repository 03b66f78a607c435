"""Resolvers of billing: GraphQL arguments in, domain calls, domain objects or Outcomes out."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from domain.billing import analytics, invoicing, lifecycle, service
from domain.billing.errors import BillingErrorCode as Code
from domain.billing.models import (
    Aggregation,
    Budget,
    Invoice,
    InvoiceStatus,
    Meter,
    Plan,
    Subscription,
)
from domain.billing.periods import Period, parse_period, period_of
from domain.billing.usage import EventInput, IngestResult
from domain.clock import clock
from domain.errors import DomainError, NotFound
from domain.marketplace.models import Publisher
from domain.pagination import Page, PageRequest
from resolvers.auth import paginated
from resolvers.context import Context
from resolvers.errors import forbidden, top_level
from resolvers.ids import expect_global_id, id_or_not_found
from resolvers.mutations import Outcome, run_mutation

# ---------------------------------------------------------------- reading


async def meters(context: Context) -> Sequence[Meter]:
    return await service.meters(context.session)


async def plans(context: Context, include_inactive: bool) -> Sequence[Plan]:
    return await service.plans(context.session, include_inactive=include_inactive)


async def plan(context: Context, plan_id: uuid.UUID) -> Plan | None:
    return await context.session.get(Plan, plan_id)


async def meter(context: Context, meter_id: uuid.UUID | None) -> Meter | None:
    return await context.session.get(Meter, meter_id) if meter_id else None


async def subscription(context: Context) -> Subscription | None:
    organization_id = context.principal.organization_id
    return await service.current_subscription(context.session, organization_id) if organization_id else None


async def account(context: Context) -> Any:
    organization_id = context.principal.organization_id
    return await service.account_of(context.session, organization_id) if organization_id else None


async def is_operator(context: Context) -> bool:
    return await service.is_operator(context.session, context.principal.organization_id)


async def target_organization(context: Context, organization_id: str | None) -> uuid.UUID:
    """The caller's organization, or (for the platform operator only) the one named."""
    own = context.principal.organization_id
    if own is None:
        raise forbidden("Select an organization first.")
    if organization_id is None:
        return own
    wanted = expect_global_id(organization_id, "Organization")
    if wanted == own:
        return own
    if wanted is None or not await is_operator(context):
        raise forbidden("Only the platform operator reads other organizations' billing.")
    return wanted


async def upcoming_invoice(context: Context, organization_id: str | None) -> invoicing.InvoiceDraft | None:
    target = await target_organization(context, organization_id)
    if await service.account_of(context.session, target) is None:
        return None
    return await invoicing.upcoming(context.session, target)


async def invoices(
    context: Context, organization_id: str | None, status: InvoiceStatus | None, request: PageRequest
) -> Page[Invoice]:
    target = await target_organization(context, organization_id)
    stmt = select(Invoice).where(Invoice.organization_id == target)
    if status is not None:
        stmt = stmt.where(Invoice.status == status)
    return await paginated(context, stmt, Invoice.id, request)


async def budgets(context: Context) -> Sequence[Budget]:
    organization_id = context.principal.organization_id
    return await service.budgets_of(context.session, organization_id) if organization_id else []


def _period(text: str | None, field: str = "period") -> Period:
    try:
        return parse_period(text, field=field) if text else period_of(clock.now())
    except DomainError as error:
        raise top_level(error) from error


async def usage_summary(
    context: Context, organization_id: str | None, meter_key: str, period: str | None, granularity: str
) -> analytics.UsageSummary:
    target = await target_organization(context, organization_id)
    try:
        meter_row = await service.meter_by_key(context.session, meter_key)
    except DomainError as error:
        raise top_level(error) from error
    return await analytics.usage_summary(context.session, target, meter_row, _period(period), granularity)


async def revenue_scope(context: Context) -> analytics.RevenueScope:
    """The platform operator sees the platform; a publisher its packages; anyone else nothing."""
    if await is_operator(context):
        return analytics.RevenueScope(publisher_id=None)
    organization_id = context.principal.organization_id
    publisher_id = await context.session.scalar(
        select(Publisher.id).where(Publisher.organization_id == organization_id)
    )
    if publisher_id is None:
        raise forbidden("Revenue is for publishers and the platform operator.")
    return analytics.RevenueScope(publisher_id=publisher_id)


@dataclass(frozen=True, slots=True)
class Window:
    start: Any
    end: Any


def window(start: str | None, end: str | None) -> Window:
    """From the first month given (inclusive) to the last (inclusive), both YYYY-MM; open when omitted."""
    return Window(
        _period(start, "from").start if start else None,
        _period(end, "to").end if end else None,
    )


async def revenue(
    context: Context, kind: str, start: str | None, end: str | None
) -> list[analytics.RevenueRow]:
    scope = await revenue_scope(context)
    span = window(start, end)
    function = {
        "month": analytics.revenue_by_month,
        "package": analytics.revenue_by_package,
        "publisher": analytics.revenue_by_publisher,
    }[kind]
    return await function(context.session, scope, start=span.start, end=span.end)


# ---------------------------------------------------------------- mutations


async def report_usage(context: Context, events: Sequence[EventInput]) -> Outcome[IngestResult]:
    async def work() -> IngestResult:
        return await service.report_usage(
            context.session,
            context.principal,
            events=events,
            max_future=context.runtime.billing.usage_max_future,
            amount_due=invoicing.amount_due,
        )

    return await run_mutation(context, work)


async def create_meter(
    context: Context,
    *,
    key: str,
    name: str,
    unit: str,
    aggregation: Aggregation,
    property: str | None,
    filter: Mapping[str, Any] | None,
) -> Outcome[Meter]:
    async def work() -> Meter:
        return await service.create_meter(
            context.session,
            context.principal,
            key=key,
            name=name,
            unit=unit,
            aggregation=aggregation,
            property=property,
            filter=filter,
        )

    return await run_mutation(context, work)


async def create_plan(
    context: Context,
    *,
    key: str,
    name: str,
    currency: str,
    monthly_fee: int,
    prices: Sequence[service.PriceInput],
) -> Outcome[Plan]:
    async def work() -> Plan:
        return await service.create_plan(
            context.session,
            context.principal,
            key=key,
            name=name,
            currency=currency,
            monthly_fee=monthly_fee,
            prices=prices,
        )

    return await run_mutation(context, work)


async def set_plan_active(context: Context, *, key: str, active: bool) -> Outcome[Plan]:
    return await run_mutation(
        context, lambda: service.set_plan_active(context.session, context.principal, key=key, active=active)
    )


async def subscribe(context: Context, *, plan_key: str, billing_email: str | None) -> Outcome[Subscription]:
    return await run_mutation(
        context,
        lambda: service.subscribe(
            context.session, context.principal, plan_key=plan_key, billing_email=billing_email
        ),
    )


async def cancel_subscription(context: Context) -> Outcome[Subscription]:
    return await run_mutation(
        context, lambda: service.cancel_subscription(context.session, context.principal)
    )


async def create_budget(
    context: Context, *, name: str, meter: str | None, threshold: Decimal, hard_limit: bool
) -> Outcome[Budget]:
    return await run_mutation(
        context,
        lambda: service.create_budget(
            context.session,
            context.principal,
            name=name,
            meter=meter,
            threshold=threshold,
            hard_limit=hard_limit,
        ),
    )


async def delete_budget(context: Context, *, budget_id: str) -> Outcome[Budget]:
    async def work() -> Budget:
        return await service.delete_budget(
            context.session, context.principal, budget_id=id_or_not_found(budget_id, "Budget", "budgetId")
        )

    return await run_mutation(context, work)


async def finalize_invoice(context: Context, *, organization_id: str, period: str) -> Outcome[Invoice]:
    async def work() -> Invoice:
        await service.require_operator(context.session, context.principal)
        target = id_or_not_found(organization_id, "Organization", "organizationId")
        return await invoicing.finalize(
            context.session, target, parse_period(period), actor=context.principal.subject
        )

    return await run_mutation(context, work)


async def _operator_invoice(context: Context, invoice_id: str) -> Invoice:
    await service.require_operator(context.session, context.principal)
    invoice = await context.session.get(Invoice, id_or_not_found(invoice_id, "Invoice", "invoiceId"))
    if invoice is None:
        raise NotFound("No such invoice.", code=Code.NOT_FOUND, field="invoiceId")
    return invoice


async def void_invoice(context: Context, *, invoice_id: str, reason: str | None) -> Outcome[Invoice]:
    async def work() -> Invoice:
        invoice = await _operator_invoice(context, invoice_id)
        await lifecycle.void(context.session, invoice, actor=context.principal.subject, reason=reason)
        return invoice

    return await run_mutation(context, work)


async def mark_invoice_paid(context: Context, *, invoice_id: str) -> Outcome[Invoice]:
    async def work() -> Invoice:
        invoice = await _operator_invoice(context, invoice_id)
        await lifecycle.mark_paid(context.session, invoice, actor=context.principal.subject)
        return invoice

    return await run_mutation(context, work)
