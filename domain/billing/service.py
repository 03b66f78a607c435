"""Billing services: the catalogue (meters, plans), billing accounts, subscriptions, package charges,
budgets and usage reporting. Invoices are in `invoicing`, analytics in `analytics`.

The catalogue is the platform's: only members of a platform-operator organization change it. A
tenant chooses a plan (`subscribe`), which opens its billing account in the plan's currency; every
charge of an organization is in that one currency from then on.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import Organization
from domain.billing import rating
from domain.billing.errors import BillingErrorCode as Code
from domain.billing.lifecycle import enqueue
from domain.billing.models import (
    MICROS,
    Aggregation,
    BillingAccount,
    Budget,
    BudgetCrossing,
    BudgetTarget,
    Meter,
    OutboxKind,
    PackageCharge,
    Plan,
    PlanPrice,
    Subscription,
    SubscriptionStatus,
)
from domain.billing.periods import Period, period_of
from domain.billing.usage import EventInput, IngestResult, aggregate, ingest
from domain.clock import clock
from domain.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from domain.events.bus import record
from domain.marketplace.models import Package, PricingModel, Publisher
from domain.principal import Principal

METER_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PLAN_KEY_RE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
MAX_FILTERS = 10
MAX_AMOUNT_THRESHOLD = 2**53 - 1
MAX_BUDGETS = 50


def _org(principal: Principal) -> uuid.UUID:
    if principal.organization_id is None:
        raise PermissionDenied("Select an organization first.", code=Code.FORBIDDEN)
    return principal.organization_id


async def require_operator(session: AsyncSession, principal: Principal) -> uuid.UUID:
    """The caller acts for a platform-operator organization (set with `atom orgs platform-operator`)."""
    organization_id = _org(principal)
    if not await is_operator(session, organization_id):
        raise PermissionDenied("Only the platform operator's organization may do this.", code=Code.FORBIDDEN)
    return organization_id


async def is_operator(session: AsyncSession, organization_id: uuid.UUID | None) -> bool:
    if organization_id is None:
        return False
    org = await session.get(Organization, organization_id)
    return bool(org and org.platform_operator)


def _text(value: str, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > max_length:
        raise InvalidInput(f"Must be 1 to {max_length} characters.", code=Code.INVALID, field=field)
    return value


def check_currency(currency: str, *, field: str = "currency") -> str:
    if not CURRENCY_RE.match(currency or ""):
        raise InvalidInput(
            "A currency is an ISO 4217 code in capitals, e.g. EUR.", code=Code.INVALID_CURRENCY, field=field
        )
    return currency


# ---------------------------------------------------------------- meters


async def create_meter(
    session: AsyncSession,
    principal: Principal,
    *,
    key: str,
    name: str,
    unit: str,
    aggregation: Aggregation,
    property: str | None = None,
    filter: Mapping[str, str] | None = None,
) -> Meter:
    await require_operator(session, principal)
    if not METER_KEY_RE.match(key or ""):
        raise InvalidInput(
            "A meter key is 2 to 40 of a-z, 0-9 and _, starting with a letter.",
            code=Code.INVALID_METER,
            field="key",
        )
    if aggregation is Aggregation.UNIQUE_COUNT and not property:
        raise InvalidInput(
            "UNIQUE_COUNT counts the distinct values of a property: name it.",
            code=Code.INVALID_METER,
            field="property",
        )
    if property is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$", property):
        raise InvalidInput("Not a property name.", code=Code.INVALID_METER, field="property")
    filters = dict(filter or {})
    if len(filters) > MAX_FILTERS or not all(
        isinstance(k, str) and isinstance(v, str) and k and len(v) <= 200 for k, v in filters.items()
    ):
        raise InvalidInput(
            f"A filter is at most {MAX_FILTERS} property names with string values.",
            code=Code.INVALID_METER,
            field="filter",
        )
    if await session.scalar(select(Meter.id).where(Meter.key == key)) is not None:
        raise Conflict(f"A meter {key!r} exists already.", code=Code.METER_EXISTS, field="key")
    meter = Meter(
        key=key,
        name=_text(name, field="name", max_length=120),
        unit=_text(unit, field="unit", max_length=40),
        aggregation=aggregation,
        property=property,
        filter=filters,
        builtin=False,
        created_at=clock.now(),
    )
    session.add(meter)
    await session.flush()
    record(
        session,
        type="meter.created",
        organization_id=principal.organization_id,
        subject_id=meter.id,
        actor=principal.subject,
        payload={"key": key, "aggregation": aggregation.value},
    )
    return meter


async def meters(session: AsyncSession) -> Sequence[Meter]:
    return list(await session.scalars(select(Meter).order_by(Meter.builtin.desc(), Meter.key)))


async def meter_by_key(session: AsyncSession, key: str, *, field: str = "meter") -> Meter:
    meter = await session.scalar(select(Meter).where(Meter.key == key))
    if meter is None:
        raise NotFound(f"No meter {key!r}.", code=Code.UNKNOWN_METER, field=field)
    return meter


# ---------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class PriceInput:
    meter: str
    spec: rating.PriceSpec


async def create_plan(
    session: AsyncSession,
    principal: Principal,
    *,
    key: str,
    name: str,
    currency: str,
    monthly_fee: int,
    prices: Sequence[PriceInput],
) -> Plan:
    await require_operator(session, principal)
    if not PLAN_KEY_RE.match(key or ""):
        raise InvalidInput(
            "A plan key is 2 to 40 of a-z, 0-9 and -, starting with a letter.",
            code=Code.INVALID_PLAN,
            field="key",
        )
    check_currency(currency)
    if monthly_fee < 0 or monthly_fee > 10**12:
        raise InvalidInput(
            "The monthly fee is a non-negative amount in minor units.",
            code=Code.INVALID_PRICE,
            field="monthlyFee",
        )
    if await session.scalar(select(Plan.id).where(Plan.key == key)) is not None:
        raise Conflict(f"A plan {key!r} exists already.", code=Code.PLAN_EXISTS, field="key")
    plan = Plan(
        key=key,
        name=_text(name, field="name", max_length=120),
        currency=currency,
        monthly_fee=monthly_fee,
        active=True,
        created_at=clock.now(),
    )
    session.add(plan)
    await session.flush()
    seen: set[str] = set()
    for index, price in enumerate(prices):
        meter = await meter_by_key(session, price.meter, field=f"prices[{index}].meter")
        if meter.key in seen:
            raise InvalidInput(
                f"Meter {meter.key!r} is priced twice.",
                code=Code.INVALID_PLAN,
                field=f"prices[{index}].meter",
            )
        seen.add(meter.key)
        try:
            rating.validate(price.spec)
        except DomainError as error:
            raise InvalidInput(
                error.message, code=Code.INVALID_PRICE, field=f"prices[{index}].{error.field or 'model'}"
            ) from error
        session.add(PlanPrice(plan_id=plan.id, meter_id=meter.id, spec=price.spec.to_json()))
    await session.flush()
    record(
        session,
        type="plan.created",
        organization_id=principal.organization_id,
        subject_id=plan.id,
        actor=principal.subject,
        payload={"key": key, "currency": currency, "monthlyFee": monthly_fee},
    )
    return plan


async def set_plan_active(session: AsyncSession, principal: Principal, *, key: str, active: bool) -> Plan:
    await require_operator(session, principal)
    plan = await plan_by_key(session, key)
    plan.active = active
    await session.flush()
    return plan


async def plan_by_key(session: AsyncSession, key: str, *, field: str = "plan") -> Plan:
    plan = await session.scalar(select(Plan).where(Plan.key == key))
    if plan is None:
        raise NotFound(f"No plan {key!r}.", code=Code.NOT_FOUND, field=field)
    return plan


async def plans(session: AsyncSession, *, include_inactive: bool = False) -> Sequence[Plan]:
    stmt = select(Plan).order_by(Plan.monthly_fee, Plan.key)
    if not include_inactive:
        stmt = stmt.where(Plan.active)
    return list(await session.scalars(stmt))


async def plan_prices(session: AsyncSession, plan_id: uuid.UUID) -> list[tuple[Meter, rating.PriceSpec]]:
    rows = await session.execute(
        select(Meter, PlanPrice.spec)
        .join(PlanPrice, PlanPrice.meter_id == Meter.id)
        .where(PlanPrice.plan_id == plan_id)
        .order_by(Meter.key)
    )
    return [(meter, rating.PriceSpec.from_json(spec)) for meter, spec in rows.all()]


# ---------------------------------------------------------------- accounts and subscriptions


async def account_of(
    session: AsyncSession, organization_id: uuid.UUID, *, lock: str | None = None
) -> BillingAccount | None:
    stmt = select(BillingAccount).where(BillingAccount.organization_id == organization_id)
    if lock == "update":
        stmt = stmt.with_for_update()
    elif lock == "share":
        stmt = stmt.with_for_update(read=True)
    return await session.scalar(stmt)


def _invoice_prefix(organization_id: uuid.UUID) -> str:
    return "ATOM-" + hashlib.sha256(organization_id.bytes).hexdigest()[:6].upper()


async def _open_account(
    session: AsyncSession, organization_id: uuid.UUID, currency: str, billing_email: str | None
) -> BillingAccount:
    account = BillingAccount(
        organization_id=organization_id,
        currency=currency,
        billing_email=billing_email,
        invoice_prefix=_invoice_prefix(organization_id),
        last_invoice_sequence=0,
        created_at=clock.now(),
    )
    session.add(account)
    await session.flush()
    enqueue(session, OutboxKind.CUSTOMER, organization_id, account.id)
    return account


async def current_subscription(session: AsyncSession, organization_id: uuid.UUID) -> Subscription | None:
    return await session.scalar(
        select(Subscription).where(
            Subscription.organization_id == organization_id,
            Subscription.status == SubscriptionStatus.ACTIVE,
        )
    )


async def subscribe(
    session: AsyncSession, principal: Principal, *, plan_key: str, billing_email: str | None = None
) -> Subscription:
    """Start a plan, or change to another one now. Proration: each plan's monthly fee is charged for
    the seconds of the period it was in force (see docs/billing.md)."""
    organization_id = _org(principal)
    plan = await plan_by_key(session, plan_key, field="plan")
    if not plan.active:
        raise Conflict(
            f"Plan {plan.key!r} takes no new subscriptions.", code=Code.PLAN_INACTIVE, field="plan"
        )
    account = await account_of(session, organization_id, lock="update")
    if account is None:
        foreign = await session.scalar(
            select(PackageCharge.currency).where(
                PackageCharge.organization_id == organization_id,
                PackageCharge.ended_at.is_(None),
                PackageCharge.currency != plan.currency,
            )
        )
        if foreign is not None:
            raise Conflict(
                f"Installed packages are priced in {foreign}; the plan is in {plan.currency}.",
                code=Code.CURRENCY_MISMATCH,
                field="plan",
            )
        account = await _open_account(session, organization_id, plan.currency, billing_email)
    elif account.currency != plan.currency:
        raise Conflict(
            f"The organization is billed in {account.currency}; plan {plan.key!r} is in {plan.currency}.",
            code=Code.CURRENCY_MISMATCH,
            field="plan",
        )
    now = clock.now()
    current = await current_subscription(session, organization_id)
    if current is not None:
        if current.plan_id == plan.id:
            raise Conflict(f"Already on plan {plan.key!r}.", code=Code.ALREADY_SUBSCRIBED, field="plan")
        _end(current, now)
    subscription = Subscription(
        organization_id=organization_id,
        plan_id=plan.id,
        status=SubscriptionStatus.ACTIVE,
        started_at=now,
        ended_at=None,
        created_by=principal.subject,
    )
    session.add(subscription)
    await session.flush()
    record(
        session,
        type="subscription.changed" if current is not None else "subscription.started",
        organization_id=organization_id,
        subject_id=subscription.id,
        actor=principal.subject,
        payload={"plan": plan.key, **({"previousSubscriptionId": str(current.id)} if current else {})},
    )
    return subscription


def _end(subscription: Subscription, at: datetime) -> None:
    subscription.status = SubscriptionStatus.ENDED
    subscription.ended_at = at


async def cancel_subscription(session: AsyncSession, principal: Principal) -> Subscription:
    """End the plan now; its fee is charged up to this moment, usage after it is refused."""
    organization_id = _org(principal)
    current = await current_subscription(session, organization_id)
    if current is None:
        raise NotFound("There is no active subscription.", code=Code.NO_SUBSCRIPTION)
    _end(current, clock.now())
    await session.flush()
    record(
        session,
        type="subscription.canceled",
        organization_id=organization_id,
        subject_id=current.id,
        actor=principal.subject,
        payload={},
    )
    return current


async def subscriptions_overlapping(
    session: AsyncSession, organization_id: uuid.UUID, period: Period
) -> list[Subscription]:
    return list(
        await session.scalars(
            select(Subscription)
            .where(
                Subscription.organization_id == organization_id,
                Subscription.started_at < period.end,
                (Subscription.ended_at.is_(None)) | (Subscription.ended_at > period.start),
            )
            .order_by(Subscription.started_at, Subscription.id)
        )
    )


# ---------------------------------------------------------------- package charges (from installs)


async def package_installed(
    session: AsyncSession, *, organization_id: uuid.UUID, package: Package, publisher_share_bps: int
) -> PackageCharge | None:
    """A priced package was installed (or re-installed): charge it from now, at today's price."""
    if package.pricing_model is PricingModel.FREE or package.price_currency is None:
        return None
    open_charge = await session.scalar(
        select(PackageCharge).where(
            PackageCharge.organization_id == organization_id,
            PackageCharge.package_id == package.id,
            PackageCharge.ended_at.is_(None),
        )
    )
    if open_charge is not None:  # an upgrade keeps the running charge
        return open_charge
    account = await account_of(session, organization_id)
    if account is not None and account.currency != package.price_currency:
        raise Conflict(
            f"The organization is billed in {account.currency}; the package is priced in "
            f"{package.price_currency}.",
            code=Code.CURRENCY_MISMATCH,
            field="packageId",
        )
    publisher = await session.get(Publisher, package.publisher_id)
    assert publisher is not None
    charge = PackageCharge(
        organization_id=organization_id,
        package_id=package.id,
        publisher_id=publisher.id,
        package_name=package.full_name,
        pricing_model=package.pricing_model.value,
        amount=package.price_amount,
        currency=package.price_currency,
        publisher_share_bps=publisher_share_bps,
        started_at=clock.now(),
        ended_at=None,
    )
    session.add(charge)
    await session.flush()
    return charge


async def package_uninstalled(
    session: AsyncSession, *, organization_id: uuid.UUID, package_id: uuid.UUID
) -> None:
    charge = await session.scalar(
        select(PackageCharge).where(
            PackageCharge.organization_id == organization_id,
            PackageCharge.package_id == package_id,
            PackageCharge.ended_at.is_(None),
        )
    )
    if charge is not None:
        charge.ended_at = clock.now()
        await session.flush()


# ---------------------------------------------------------------- usage reporting and budgets


async def report_usage(
    session: AsyncSession,
    principal: Principal,
    *,
    events: Sequence[EventInput],
    max_future: timedelta,
    amount_due: Any = None,
) -> IngestResult:
    """Store a batch of usage events (all or nothing), then check the organization's budgets:
    a hard limit crossed refuses the whole batch with QUOTA_EXCEEDED; any threshold reached for the
    first time in a period records one `budget.threshold_crossed` event.

    `amount_due(session, organization_id, period) -> int` computes the upcoming total for
    AMOUNT_DUE budgets (passed in by the caller to keep this module free of invoicing)."""
    organization_id = _org(principal)
    # A shared lock on the account: finalizing an invoice takes it exclusively, so no event can
    # slip into a period while its invoice is being computed.
    account = await account_of(session, organization_id, lock="share")
    if account is None:
        raise InvalidInput(
            "The organization has no plan yet: subscribe first.", code=Code.NO_SUBSCRIPTION, field="events"
        )
    result = await ingest(
        session,
        organization_id=organization_id,
        actor=principal.subject,
        events=events,
        max_future=max_future,
    )
    if result.accepted:
        periods = {period_of(e.timestamp) for e in events}
        await _check_budgets(session, principal, organization_id, result, periods, amount_due)
    return result


async def _check_budgets(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID,
    result: IngestResult,
    periods: set[Period],
    amount_due: Any,
) -> None:
    budgets = list(await session.scalars(select(Budget).where(Budget.organization_id == organization_id)))
    if not budgets:
        return
    touched = set(result.meter_totals)
    for period in sorted(periods):
        for budget in budgets:
            if budget.target is BudgetTarget.METER:
                meter = await session.get(Meter, budget.meter_id)
                if meter is None or meter.key not in touched:
                    continue
                value = int(
                    await aggregate(session, meter, organization_id, period.start, period.end) * MICROS
                )
            elif amount_due is not None:
                value = int(await amount_due(session, organization_id, period))
            else:
                continue
            if value < budget.threshold:
                continue
            if budget.hard_limit and value > budget.threshold:
                raise Conflict(
                    f"Budget {budget.name!r} is a hard limit: this batch would take it past its threshold "
                    f"for {period.key}.",
                    code=Code.QUOTA_EXCEEDED,
                    field="events",
                )
            await _crossed(session, principal, budget, period, value)


async def _crossed(
    session: AsyncSession, principal: Principal, budget: Budget, period: Period, value: int
) -> None:
    exists = await session.scalar(
        select(BudgetCrossing.id).where(
            BudgetCrossing.budget_id == budget.id, BudgetCrossing.period_start == period.start
        )
    )
    if exists is not None:
        return
    session.add(
        BudgetCrossing(
            budget_id=budget.id,
            organization_id=budget.organization_id,
            period_start=period.start,
            value=min(value, 2**63 - 1),
            crossed_at=clock.now(),
        )
    )
    record(
        session,
        type="budget.threshold_crossed",
        organization_id=budget.organization_id,
        subject_id=budget.id,
        actor=principal.subject,
        payload={
            "budget": budget.name,
            "target": budget.target.value,
            "threshold": budget.threshold,
            "value": value,
            "period": period.key,
            "hardLimit": budget.hard_limit,
        },
    )
    await session.flush()


async def create_budget(
    session: AsyncSession,
    principal: Principal,
    *,
    name: str,
    meter: str | None,
    threshold: Decimal,
    hard_limit: bool,
) -> Budget:
    """A threshold per period on a meter's quantity (`meter` given) or on the amount due (minor units)."""
    organization_id = _org(principal)
    name = _text(name, field="name", max_length=120)
    count = len(
        list(await session.scalars(select(Budget.id).where(Budget.organization_id == organization_id)))
    )
    if count >= MAX_BUDGETS:
        raise InvalidInput(f"At most {MAX_BUDGETS} budgets.", code=Code.INVALID_BUDGET)
    if not threshold.is_finite() or threshold <= 0:
        raise InvalidInput(
            "The threshold must be a positive number.", code=Code.INVALID_BUDGET, field="threshold"
        )
    meter_row = await meter_by_key(session, meter, field="meter") if meter is not None else None
    if meter_row is None:
        # Amounts travel as BigInt, which holds +-(2^53 - 1) (and the column 64 bits).
        if threshold != threshold.to_integral_value() or threshold > MAX_AMOUNT_THRESHOLD:
            raise InvalidInput(
                "An amount threshold is whole minor units, at most 2^53 - 1.",
                code=Code.INVALID_BUDGET,
                field="threshold",
            )
        stored = int(threshold)
    else:
        scaled = threshold * MICROS
        if scaled != scaled.to_integral_value() or threshold >= Decimal(10) ** 12:
            raise InvalidInput(
                "A quantity threshold has at most 6 decimal places and is below 10^12.",
                code=Code.INVALID_BUDGET,
                field="threshold",
            )
        stored = int(scaled)
    budget = Budget(
        organization_id=organization_id,
        name=name,
        target=BudgetTarget.METER if meter_row else BudgetTarget.AMOUNT_DUE,
        meter_id=meter_row.id if meter_row else None,
        threshold=stored,
        hard_limit=hard_limit,
        created_at=clock.now(),
        created_by=principal.subject,
    )
    session.add(budget)
    await session.flush()
    record(
        session,
        type="budget.created",
        organization_id=organization_id,
        subject_id=budget.id,
        actor=principal.subject,
        payload={"name": name, "threshold": stored, "hardLimit": hard_limit, "meter": meter},
    )
    return budget


async def delete_budget(session: AsyncSession, principal: Principal, *, budget_id: uuid.UUID) -> Budget:
    organization_id = _org(principal)
    budget = await session.get(Budget, budget_id)
    if budget is None or budget.organization_id != organization_id:
        raise NotFound("No such budget.", code=Code.NOT_FOUND, field="budgetId")
    await session.delete(budget)
    record(
        session,
        type="budget.deleted",
        organization_id=organization_id,
        subject_id=budget.id,
        actor=principal.subject,
        payload={"name": budget.name},
    )
    await session.flush()
    return budget


async def budgets_of(session: AsyncSession, organization_id: uuid.UUID) -> Sequence[Budget]:
    return list(
        await session.scalars(
            select(Budget).where(Budget.organization_id == organization_id).order_by(Budget.created_at)
        )
    )
