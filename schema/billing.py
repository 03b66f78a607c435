"""GraphQL types of billing: meters, plans, subscriptions, usage, invoices, budgets, analytics."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, NewType, cast

import strawberry
from graphql import GraphQLError
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import PermissionExtension
from strawberry.scalars import JSON
from strawberry.types import Info

from domain.billing import analytics, invoicing, models, rating
from domain.billing.errors import BillingErrorCode as DomainBillingErrorCode
from domain.billing.service import PriceInput
from domain.billing.usage import EventInput, micros_to_decimal
from resolvers import billing as resolve
from resolvers import streams
from resolvers.context import Context
from resolvers.errors import UserErrorData
from resolvers.ids import to_global_id
from resolvers.mutations import Outcome
from resolvers.permissions import IsAuthenticated, needs
from schema.errors import UserError
from schema.marketplace import Package, Publisher
from schema.node import register_node
from schema.relay import Connection, Node, connection, page_request


def _parse_bigint(value: Any) -> int:
    """Integers, or strings of digits, within +-(2^53 - 1). Anything else is a GraphQL input error."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise GraphQLError(f"BigInt cannot represent {value!r}: it is an integer.")
    text = str(value).strip()
    if not re.fullmatch(r"-?[0-9]{1,16}", text):
        raise GraphQLError(f"BigInt cannot represent {value!r}: it is an integer of at most 16 digits.")
    number = int(text)
    if abs(number) > 2**53 - 1:
        raise GraphQLError("BigInt must be within +-(2^53 - 1).")
    return number


BigInt = NewType("BigInt", int)
# Registered in the schema's scalar_map (schema/__init__.py).
BIG_INT_SCALAR = strawberry.scalar(
    name="BigInt",
    description="An integer beyond 32 bits (money in minor units), exact up to 2^53 - 1; "
    "sent as a JSON number, accepted as a number or a string of digits.",
    serialize=int,
    parse_value=_parse_bigint,
)

BillingErrorCode = strawberry.enum(
    DomainBillingErrorCode, name="BillingErrorCode", description="Why a billing mutation failed."
)
MeterAggregation = strawberry.enum(models.Aggregation, name="MeterAggregation")
PriceModel = strawberry.enum(rating.PriceModel, name="PriceModel")
InvoiceStatus = strawberry.enum(models.InvoiceStatus, name="InvoiceStatus")
InvoiceLineKind = strawberry.enum(models.LineKind, name="InvoiceLineKind")
SubscriptionStatus = strawberry.enum(models.SubscriptionStatus, name="SubscriptionStatus")
BudgetTarget = strawberry.enum(models.BudgetTarget, name="BudgetTarget")


@strawberry.enum(description="The width of a usage chart's buckets.")
class UsageGranularity(enum.Enum):
    HOUR = "HOUR"
    DAY = "DAY"


@strawberry.type(description="A failure of a billing mutation.")
class BillingError(UserError):
    code: BillingErrorCode  # type: ignore[valid-type]


def billing_errors(errors: list[UserErrorData]) -> list[BillingError]:
    known = set(DomainBillingErrorCode)
    return [
        BillingError(
            field=e.field,
            message=e.message,
            code=DomainBillingErrorCode(e.code) if e.code in known else DomainBillingErrorCode.INVALID,
        )
        for e in errors
    ]


def _signed_in() -> list[FieldExtension]:
    return [PermissionExtension(permissions=[IsAuthenticated()])]


@strawberry.federation.type(
    shareable=True,
    description="An amount of money: integer minor units (cents) of an ISO 4217 currency.",
)
class Money:
    amount: BigInt
    currency: str


def money(amount: int, currency: str) -> Money:
    return Money(amount=BigInt(amount), currency=currency)


@strawberry.federation.type(
    keys=["id"], description="What is counted, and how a period's events become one quantity."
)
class Meter(Node):
    id: strawberry.ID
    key: str
    name: str
    unit: str
    aggregation: MeterAggregation  # type: ignore[valid-type]
    property: str | None = strawberry.field(
        description="UNIQUE_COUNT counts distinct values of this property."
    )
    filter: JSON = strawberry.field(description="Only events whose properties equal all of these count.")
    builtin: bool

    @classmethod
    def from_model(cls, m: models.Meter) -> Meter:
        return cls(
            id=strawberry.ID(to_global_id("Meter", m.id)),
            key=m.key,
            name=m.name,
            unit=m.unit,
            aggregation=m.aggregation,
            property=m.property,
            filter=cast(JSON, dict(m.filter or {})),
            builtin=m.builtin,
        )


@strawberry.type(description="A tier of a graduated or volume price.")
class PriceTier:
    up_to: Decimal | None = strawberry.field(description="Inclusive upper bound; null: no bound (last tier).")
    unit_amount: Decimal = strawberry.field(description="Minor units per unit.")
    flat_amount: Decimal = strawberry.field(description="Minor units, once when the tier is reached.")


@strawberry.type(description="How a plan charges one meter. Amounts are minor units, possibly fractional.")
class MeterPrice:
    meter: Meter
    model: PriceModel  # type: ignore[valid-type]
    unit_amount: Decimal | None
    tiers: list[PriceTier]
    package_size: Decimal | None
    package_amount: Decimal | None
    included_quantity: Decimal

    @classmethod
    def from_spec(cls, meter: models.Meter, spec: rating.PriceSpec) -> MeterPrice:
        return cls(
            meter=Meter.from_model(meter),
            model=spec.model,
            unit_amount=spec.unit_amount,
            tiers=[
                PriceTier(up_to=t.up_to, unit_amount=t.unit_amount, flat_amount=t.flat_amount)
                for t in spec.tiers
            ],
            package_size=spec.package_size,
            package_amount=spec.package_amount,
            included_quantity=spec.included_quantity,
        )


@strawberry.federation.type(
    keys=["id"],
    description="A plan: a monthly platform fee and per-meter prices, in one currency.",
)
class Plan(Node):
    id: strawberry.ID
    key: str
    name: str
    currency: str
    monthly_fee: Money
    active: bool
    pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Plan) -> Plan:
        return cls(
            id=strawberry.ID(to_global_id("Plan", m.id)),
            key=m.key,
            name=m.name,
            currency=m.currency,
            monthly_fee=money(m.monthly_fee, m.currency),
            active=m.active,
            pk=m.id,
        )

    @strawberry.field
    async def prices(self, info: Info[Context, Any]) -> list[MeterPrice]:
        return [
            MeterPrice.from_spec(m, s) for m, s in await info.context.loaders.prices_by_plan.load(self.pk)
        ]


@strawberry.type(name="PlanSubscription", description="An organization on a plan, from start to end.")
class PlanSubscription:
    id: strawberry.ID
    status: SubscriptionStatus  # type: ignore[valid-type]
    started_at: datetime
    ended_at: datetime | None
    plan_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Subscription) -> PlanSubscription:
        return cls(
            id=strawberry.ID(to_global_id("PlanSubscription", m.id)),
            status=m.status,
            started_at=m.started_at,
            ended_at=m.ended_at,
            plan_pk=m.plan_id,
        )

    @strawberry.field
    async def plan(self, info: Info[Context, Any]) -> Plan:
        row = await info.context.loaders.plan_by_id.load(self.plan_pk)
        assert row is not None
        return Plan.from_model(row)


@strawberry.type(description="One line of an invoice, rounded on its own; the total is their sum.")
class InvoiceLine:
    kind: InvoiceLineKind  # type: ignore[valid-type]
    description: str
    period_start: datetime
    period_end: datetime
    quantity: Decimal
    amount: Money
    publisher_share: Money = strawberry.field(description="The publisher's part of a package charge.")
    meter_pk: strawberry.Private[uuid.UUID | None]
    package_pk: strawberry.Private[uuid.UUID | None]
    publisher_pk: strawberry.Private[uuid.UUID | None]

    @classmethod
    def build(cls, line: models.InvoiceLine | invoicing.LineDraft, currency: str) -> InvoiceLine:
        return cls(
            kind=line.kind,
            description=line.description,
            period_start=line.period_start,
            period_end=line.period_end,
            quantity=Decimal(line.quantity).normalize(),
            amount=money(line.amount, currency),
            publisher_share=money(line.publisher_share, currency),
            meter_pk=line.meter_id,
            package_pk=line.package_id,
            publisher_pk=line.publisher_id,
        )

    @strawberry.field
    async def meter(self, info: Info[Context, Any]) -> Meter | None:
        if self.meter_pk is None:
            return None
        row = await info.context.loaders.meter_by_id.load(self.meter_pk)
        return Meter.from_model(row) if row else None

    @strawberry.field(description="The package charged; null when you may not see it any more.")
    async def package(self, info: Info[Context, Any]) -> Package | None:
        if self.package_pk is None:
            return None
        row = await info.context.loaders.package_by_id.load(self.package_pk)
        return Package.from_model(row) if row else None


@strawberry.federation.type(
    keys=["id"],
    description="A finalized invoice: immutable lines, a number of a gapless sequence.",
)
class Invoice(Node):
    id: strawberry.ID
    number: str
    status: InvoiceStatus  # type: ignore[valid-type]
    currency: str
    period: str
    period_start: datetime
    period_end: datetime
    subtotal: Money
    total: Money
    finalized_at: datetime
    paid_at: datetime | None
    voided_at: datetime | None
    void_reason: str | None
    payment_failed_at: datetime | None
    stripe_invoice_id: str | None
    pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Invoice) -> Invoice:
        return cls(
            id=strawberry.ID(to_global_id("Invoice", m.id)),
            number=m.number,
            status=m.status,
            currency=m.currency,
            period=f"{m.period_start.year:04d}-{m.period_start.month:02d}",
            period_start=m.period_start,
            period_end=m.period_end,
            subtotal=money(m.subtotal, m.currency),
            total=money(m.total, m.currency),
            finalized_at=m.finalized_at,
            paid_at=m.paid_at,
            voided_at=m.voided_at,
            void_reason=m.void_reason,
            payment_failed_at=m.payment_failed_at,
            stripe_invoice_id=m.stripe_invoice_id,
            pk=m.id,
        )

    @strawberry.field
    async def lines(self, info: Info[Context, Any]) -> list[InvoiceLine]:
        return [
            InvoiceLine.build(line, self.currency)
            for line in await info.context.loaders.lines_by_invoice.load(self.pk)
        ]


@strawberry.type(description="The current period's invoice as it stands now: usage so far, fees to the end.")
class UpcomingInvoice:
    period: str
    period_start: datetime
    period_end: datetime
    currency: str
    lines: list[InvoiceLine]
    subtotal: Money
    total: Money

    @classmethod
    def from_draft(cls, d: invoicing.InvoiceDraft) -> UpcomingInvoice:
        return cls(
            period=d.period.key,
            period_start=d.period.start,
            period_end=d.period.end,
            currency=d.currency,
            lines=[InvoiceLine.build(line, d.currency) for line in d.lines],
            subtotal=money(d.subtotal, d.currency),
            total=money(d.total, d.currency),
        )


@strawberry.type(description="A per-period threshold on a meter's quantity or on the amount due.")
class Budget(Node):
    id: strawberry.ID
    name: str
    target: BudgetTarget  # type: ignore[valid-type]
    threshold: Decimal = strawberry.field(description="Meter units, or minor units of the amount due.")
    hard_limit: bool = strawberry.field(description="Refuse usage that would go past the threshold.")
    created_at: datetime
    pk: strawberry.Private[uuid.UUID]
    meter_pk: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_model(cls, m: models.Budget) -> Budget:
        threshold = (
            micros_to_decimal(m.threshold) if m.target is models.BudgetTarget.METER else Decimal(m.threshold)
        )
        return cls(
            id=strawberry.ID(to_global_id("Budget", m.id)),
            name=m.name,
            target=m.target,
            threshold=threshold,
            hard_limit=m.hard_limit,
            created_at=m.created_at,
            pk=m.id,
            meter_pk=m.meter_id,
        )

    @strawberry.field
    async def meter(self, info: Info[Context, Any]) -> Meter | None:
        if self.meter_pk is None:
            return None
        row = await info.context.loaders.meter_by_id.load(self.meter_pk)
        return Meter.from_model(row) if row else None

    @strawberry.field(
        description="The alerts it fired, newest first: one per period in which the threshold was reached."
    )
    async def alerts(self, info: Info[Context, Any]) -> list[BudgetAlert]:
        rows = await info.context.loaders.crossings_by_budget.load(self.pk)
        return [
            BudgetAlert.build(
                streams.recorded_crossing(
                    row,
                    name=self.name,
                    target=self.target,
                    threshold=self.threshold,
                    hard_limit=self.hard_limit,
                )
            )
            for row in rows
        ]


@strawberry.type(description="A budget reached its threshold for a period (once per budget and period).")
class BudgetAlert:
    budget_id: strawberry.ID
    name: str
    target: BudgetTarget  # type: ignore[valid-type]
    threshold: Decimal = strawberry.field(description="Meter units, or minor units of the amount due.")
    value: Decimal = strawberry.field(description="What was reached, in the threshold's units.")
    period: str = strawberry.field(description="YYYY-MM.")
    hard_limit: bool
    occurred_at: datetime
    source: strawberry.Private[streams.BudgetCrossing]

    @classmethod
    def build(cls, crossing: streams.BudgetCrossing) -> BudgetAlert:
        return cls(
            budget_id=strawberry.ID(to_global_id("Budget", crossing.budget_id)),
            name=crossing.name,
            target=crossing.target,
            threshold=crossing.threshold,
            value=crossing.value,
            period=crossing.period,
            hard_limit=crossing.hard_limit,
            occurred_at=crossing.at,
            source=crossing,
        )

    @strawberry.field(description="The budget; null once deleted.")
    async def budget(self, info: Info[Context, Any]) -> Budget | None:
        row = await info.context.loaders.budget_by_id.load(self.source.budget_id)
        return Budget.from_model(row) if row else None


@strawberry.type
class UsageBucket:
    start: datetime
    value: Decimal


@strawberry.type(description="A meter over a period: the total an invoice uses, and buckets for a chart.")
class UsageSummary:
    meter: Meter
    period: str
    granularity: UsageGranularity
    total: Decimal
    buckets: list[UsageBucket]


@strawberry.type(
    description="Revenue of one month: invoice totals (platform) or package charges (publisher)."
)
class MonthlyRevenue:
    month: str
    amount: Money
    publisher_share: Money
    count: int = strawberry.field(description="Invoices (platform) or invoice lines (publisher) counted.")


@strawberry.type(description="Charges for one package.")
class PackageRevenue:
    package_id: strawberry.ID
    amount: Money
    publisher_share: Money
    count: int
    pk: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def package(self, info: Info[Context, Any]) -> Package | None:
        row = await info.context.loaders.package_by_id.load(self.pk)
        return Package.from_model(row) if row else None


@strawberry.type(description="Charges for one publisher's packages.")
class PublisherRevenue:
    publisher_id: strawberry.ID
    amount: Money
    publisher_share: Money
    count: int
    pk: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def publisher(self, info: Info[Context, Any]) -> Publisher | None:
        row = await info.context.loaders.publisher_by_id.load(self.pk)
        return Publisher.from_model(row) if row else None


register_node("Meter", "meter_by_id", Meter)
register_node("Plan", "plan_by_id", Plan)
register_node("Invoice", "invoice_by_id", Invoice, "billing:read")
register_node("Budget", "budget_by_id", Budget, "billing:read")


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input(
    description="One usage event. A repeated idempotency key with the same content is counted once."
)
class UsageEventInput:
    meter: str
    quantity: Decimal = strawberry.field(description="Non-negative, at most 6 decimal places.")
    timestamp: datetime = strawberry.field(description="When it happened, with a UTC offset.")
    idempotency_key: str = strawberry.field(
        description="1 to 128 printable ASCII characters, unique per event."
    )
    properties: JSON | None = strawberry.field(
        default=None, description="String values, e.g. {package: ns/name}."
    )


def _usage_event(cls: type, value: Mapping[str, Any], _context: Any) -> Any:
    """Build the input from the values graphql-core has coerced already (Decimal, datetime, JSON):
    strawberry's generic conversion of a thousand events was a quarter of a batch's cost."""
    return cls(
        meter=value["meter"],
        quantity=value["quantity"],
        timestamp=value["timestamp"],
        idempotency_key=value["idempotencyKey"],
        properties=value.get("properties"),
    )


UsageEventInput.__strawberry_definition__.from_input = _usage_event  # type: ignore[attr-defined]


@strawberry.input
class ReportUsageInput:
    events: list[UsageEventInput] = strawberry.field(description="1 to 1,000 events; all or nothing.")


@strawberry.type
class ReportUsagePayload:
    accepted: int = strawberry.field(description="Events stored by this call.")
    duplicates: int = strawberry.field(
        description="Events acknowledged again (sent before with the same key)."
    )
    user_errors: list[BillingError]


@strawberry.input
class CreateMeterInput:
    key: str
    name: str
    unit: str
    aggregation: MeterAggregation  # type: ignore[valid-type]
    property: str | None = None
    filter: JSON | None = None


@strawberry.input
class PriceTierInput:
    up_to: Decimal | None = None
    unit_amount: Decimal = Decimal(0)
    flat_amount: Decimal = Decimal(0)


@strawberry.input
class MeterPriceInput:
    meter: str
    model: PriceModel  # type: ignore[valid-type]
    unit_amount: Decimal | None = None
    tiers: list[PriceTierInput] | None = None
    package_size: Decimal | None = None
    package_amount: Decimal | None = None
    included_quantity: Decimal = Decimal(0)

    def spec(self) -> rating.PriceSpec:
        return rating.PriceSpec(
            model=self.model,
            unit_amount=self.unit_amount,
            tiers=tuple(
                rating.Tier(up_to=t.up_to, unit_amount=t.unit_amount, flat_amount=t.flat_amount)
                for t in self.tiers or ()
            ),
            package_size=self.package_size,
            package_amount=self.package_amount,
            included_quantity=self.included_quantity,
        )


@strawberry.input
class CreatePlanInput:
    key: str
    name: str
    currency: str
    monthly_fee: BigInt
    prices: list[MeterPriceInput]


@strawberry.input
class SetPlanActiveInput:
    plan: str
    active: bool


@strawberry.input
class SubscribeInput:
    plan: str = strawberry.field(description="The plan's key.")
    billing_email: str | None = None


@strawberry.input
class CreateBudgetInput:
    name: str
    meter: str | None = strawberry.field(default=None, description="A meter key; omit for the amount due.")
    threshold: Decimal = strawberry.field(description="Meter units, or minor units of the amount due.")
    hard_limit: bool = False


@strawberry.input
class DeleteBudgetInput:
    budget_id: strawberry.ID


@strawberry.input
class FinalizeInvoiceInput:
    organization_id: strawberry.ID
    period: str = strawberry.field(description="YYYY-MM; the period must have ended.")


@strawberry.input
class VoidInvoiceInput:
    invoice_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class MarkInvoicePaidInput:
    invoice_id: strawberry.ID


@strawberry.type
class MeterPayload:
    meter: Meter | None
    user_errors: list[BillingError]


@strawberry.type
class PlanPayload:
    plan: Plan | None
    user_errors: list[BillingError]


@strawberry.type
class SubscriptionPayload:
    subscription: PlanSubscription | None
    user_errors: list[BillingError]


@strawberry.type
class BudgetPayload:
    budget: Budget | None
    user_errors: list[BillingError]


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None
    user_errors: list[BillingError]


def _invoice_payload(outcome: Outcome[models.Invoice]) -> InvoicePayload:
    return InvoicePayload(
        invoice=Invoice.from_model(outcome.result) if outcome.result else None,
        user_errors=billing_errors(outcome.user_errors),
    )


def _plan_payload(outcome: Outcome[models.Plan]) -> PlanPayload:
    return PlanPayload(
        plan=Plan.from_model(outcome.result) if outcome.result else None,
        user_errors=billing_errors(outcome.user_errors),
    )


def _subscription_payload(outcome: Outcome[models.Subscription]) -> SubscriptionPayload:
    return SubscriptionPayload(
        subscription=PlanSubscription.from_model(outcome.result) if outcome.result else None,
        user_errors=billing_errors(outcome.user_errors),
    )


def _budget_payload(outcome: Outcome[models.Budget]) -> BudgetPayload:
    return BudgetPayload(
        budget=Budget.from_model(outcome.result) if outcome.result else None,
        user_errors=billing_errors(outcome.user_errors),
    )


def _revenue_money(row: analytics.RevenueRow) -> tuple[Money, Money]:
    return money(row.amount, row.currency), money(row.publisher_share, row.currency)


# ---------------------------------------------------------------- root fields


@strawberry.type
class BillingQuery:
    @strawberry.field(
        description="Every meter: the built-in ones and the platform's own.", extensions=_signed_in()
    )
    async def meters(self, info: Info[Context, Any]) -> list[Meter]:
        return [Meter.from_model(m) for m in await resolve.meters(info.context)]

    @strawberry.field(
        description="Plans open for subscription (all, for the platform operator).", extensions=_signed_in()
    )
    async def plans(self, info: Info[Context, Any], include_inactive: bool = False) -> list[Plan]:
        return [Plan.from_model(p) for p in await resolve.plans(info.context, include_inactive)]

    @strawberry.field(
        description="Your organization's current plan subscription.", extensions=needs("billing:read")
    )
    async def subscription(self, info: Info[Context, Any]) -> PlanSubscription | None:
        row = await resolve.subscription(info.context)
        return PlanSubscription.from_model(row) if row else None

    @strawberry.field(
        description="The current period's invoice so far; null before the first plan. "
        "The platform operator may name another organization.",
        extensions=needs("billing:read"),
    )
    async def upcoming_invoice(
        self, info: Info[Context, Any], organization_id: strawberry.ID | None = None
    ) -> UpcomingInvoice | None:
        d = await resolve.upcoming_invoice(info.context, str(organization_id) if organization_id else None)
        return UpcomingInvoice.from_draft(d) if d else None

    @strawberry.field(
        description="Finalized invoices, newest first by id order.", extensions=needs("billing:read")
    )
    async def invoices(
        self,
        info: Info[Context, Any],
        organization_id: strawberry.ID | None = None,
        status: InvoiceStatus | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Invoice]:
        page = await resolve.invoices(
            info.context,
            str(organization_id) if organization_id else None,
            status,
            page_request(first, after, last, before),
        )
        return connection(page, Invoice.from_model, lambda m: m.id)

    @strawberry.field(description="Your organization's budgets.", extensions=needs("billing:read"))
    async def budgets(self, info: Info[Context, Any]) -> list[Budget]:
        return [Budget.from_model(b) for b in await resolve.budgets(info.context)]

    @strawberry.field(
        description="A meter over a period (YYYY-MM, default the current one) in hour or day buckets.",
        extensions=needs("billing:read"),
    )
    async def usage_summary(
        self,
        info: Info[Context, Any],
        meter: str,
        period: str | None = None,
        granularity: UsageGranularity = UsageGranularity.DAY,
        organization_id: strawberry.ID | None = None,
    ) -> UsageSummary:
        summary = await resolve.usage_summary(
            info.context,
            str(organization_id) if organization_id else None,
            meter,
            period,
            granularity.value,
        )
        return UsageSummary(
            meter=Meter.from_model(summary.meter),
            period=summary.period.key,
            granularity=granularity,
            total=summary.total.normalize() if summary.total else Decimal(0),
            buckets=[UsageBucket(start=b.start, value=b.value.normalize()) for b in summary.buckets],
        )

    @strawberry.field(
        description="Revenue per month from finalized, non-void invoices (YYYY-MM bounds, inclusive).",
        extensions=needs("billing:read"),
    )
    async def revenue_by_month(
        self,
        info: Info[Context, Any],
        from_: Annotated[str | None, strawberry.argument(name="from")] = None,
        to: str | None = None,
    ) -> list[MonthlyRevenue]:
        rows = await resolve.revenue(info.context, "month", from_, to)
        return [
            MonthlyRevenue(
                month=r.key, amount=_revenue_money(r)[0], publisher_share=_revenue_money(r)[1], count=r.lines
            )
            for r in rows
        ]

    @strawberry.field(description="Package charges per package.", extensions=needs("billing:read"))
    async def revenue_by_package(
        self,
        info: Info[Context, Any],
        from_: Annotated[str | None, strawberry.argument(name="from")] = None,
        to: str | None = None,
    ) -> list[PackageRevenue]:
        rows = await resolve.revenue(info.context, "package", from_, to)
        return [
            PackageRevenue(
                package_id=strawberry.ID(to_global_id("Package", uuid.UUID(r.key))),
                pk=uuid.UUID(r.key),
                amount=_revenue_money(r)[0],
                publisher_share=_revenue_money(r)[1],
                count=r.lines,
            )
            for r in rows
        ]

    @strawberry.field(description="Package charges per publisher.", extensions=needs("billing:read"))
    async def revenue_by_publisher(
        self,
        info: Info[Context, Any],
        from_: Annotated[str | None, strawberry.argument(name="from")] = None,
        to: str | None = None,
    ) -> list[PublisherRevenue]:
        rows = await resolve.revenue(info.context, "publisher", from_, to)
        return [
            PublisherRevenue(
                publisher_id=strawberry.ID(to_global_id("Publisher", uuid.UUID(r.key))),
                pk=uuid.UUID(r.key),
                amount=_revenue_money(r)[0],
                publisher_share=_revenue_money(r)[1],
                count=r.lines,
            )
            for r in rows
        ]


@strawberry.type
class BillingMutation:
    @strawberry.mutation(
        description="Report up to 1,000 usage events: all are acknowledged, or none is stored.",
        extensions=needs("usage:write"),
    )
    async def report_usage(self, info: Info[Context, Any], input: ReportUsageInput) -> ReportUsagePayload:
        events = [
            EventInput(
                meter=e.meter,
                quantity=e.quantity,
                timestamp=e.timestamp,
                idempotency_key=e.idempotency_key,
                properties=cast(dict[str, Any], e.properties) if e.properties is not None else {},
            )
            for e in input.events
        ]
        outcome = await resolve.report_usage(info.context, events)
        result = outcome.result
        return ReportUsagePayload(
            accepted=result.accepted if result else 0,
            duplicates=result.duplicates if result else 0,
            user_errors=billing_errors(outcome.user_errors),
        )

    @strawberry.mutation(description="Define a meter (platform operator).", extensions=needs("billing:write"))
    async def create_meter(self, info: Info[Context, Any], input: CreateMeterInput) -> MeterPayload:
        outcome = await resolve.create_meter(
            info.context,
            key=input.key,
            name=input.name,
            unit=input.unit,
            aggregation=input.aggregation,
            property=input.property,
            filter=cast(dict[str, Any] | None, input.filter),
        )
        return MeterPayload(
            meter=Meter.from_model(outcome.result) if outcome.result else None,
            user_errors=billing_errors(outcome.user_errors),
        )

    @strawberry.mutation(description="Define a plan (platform operator).", extensions=needs("billing:write"))
    async def create_plan(self, info: Info[Context, Any], input: CreatePlanInput) -> PlanPayload:
        prices = [PriceInput(meter=p.meter, spec=p.spec()) for p in input.prices]
        return _plan_payload(
            await resolve.create_plan(
                info.context,
                key=input.key,
                name=input.name,
                currency=input.currency,
                monthly_fee=int(input.monthly_fee),
                prices=prices,
            )
        )

    @strawberry.mutation(
        description="Open or close a plan to new subscriptions (platform operator).",
        extensions=needs("billing:write"),
    )
    async def set_plan_active(self, info: Info[Context, Any], input: SetPlanActiveInput) -> PlanPayload:
        return _plan_payload(await resolve.set_plan_active(info.context, key=input.plan, active=input.active))

    @strawberry.mutation(
        description="Start a plan, or change to another now (fees prorated by the second).",
        extensions=needs("billing:write"),
    )
    async def subscribe(self, info: Info[Context, Any], input: SubscribeInput) -> SubscriptionPayload:
        return _subscription_payload(
            await resolve.subscribe(info.context, plan_key=input.plan, billing_email=input.billing_email)
        )

    @strawberry.mutation(description="End the plan now.", extensions=needs("billing:write"))
    async def cancel_subscription(self, info: Info[Context, Any]) -> SubscriptionPayload:
        return _subscription_payload(await resolve.cancel_subscription(info.context))

    @strawberry.mutation(description="Add a budget.", extensions=needs("billing:write"))
    async def create_budget(self, info: Info[Context, Any], input: CreateBudgetInput) -> BudgetPayload:
        return _budget_payload(
            await resolve.create_budget(
                info.context,
                name=input.name,
                meter=input.meter,
                threshold=input.threshold,
                hard_limit=input.hard_limit,
            )
        )

    @strawberry.mutation(description="Remove a budget.", extensions=needs("billing:write"))
    async def delete_budget(self, info: Info[Context, Any], input: DeleteBudgetInput) -> BudgetPayload:
        return _budget_payload(await resolve.delete_budget(info.context, budget_id=str(input.budget_id)))

    @strawberry.mutation(
        description="Finalize an ended period's invoice now (platform operator; "
        "the server also does it by itself).",
        extensions=needs("billing:write"),
    )
    async def finalize_invoice(self, info: Info[Context, Any], input: FinalizeInvoiceInput) -> InvoicePayload:
        return _invoice_payload(
            await resolve.finalize_invoice(
                info.context, organization_id=str(input.organization_id), period=input.period
            )
        )

    @strawberry.mutation(
        description="Void an open invoice (platform operator).", extensions=needs("billing:write")
    )
    async def void_invoice(self, info: Info[Context, Any], input: VoidInvoiceInput) -> InvoicePayload:
        return _invoice_payload(
            await resolve.void_invoice(info.context, invoice_id=str(input.invoice_id), reason=input.reason)
        )

    @strawberry.mutation(
        description="Record a payment made outside Stripe (platform operator).",
        extensions=needs("billing:write"),
    )
    async def mark_invoice_paid(
        self, info: Info[Context, Any], input: MarkInvoicePaidInput
    ) -> InvoicePayload:
        return _invoice_payload(
            await resolve.mark_invoice_paid(info.context, invoice_id=str(input.invoice_id))
        )


__all__ = ["BillingMutation", "BillingQuery"]
