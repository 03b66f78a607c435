"""SQLAlchemy models of billing and metering. Money is integer minor units next to a currency code;
usage quantities are integer micro-units (quantity x 10^6), so sums are exact on both databases."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base, IdMixin

MICROS = 1_000_000  # usage quantities are stored as integer millionths


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, validate_strings=True)


class Aggregation(enum.StrEnum):
    SUM = "SUM"
    COUNT = "COUNT"
    MAX = "MAX"
    UNIQUE_COUNT = "UNIQUE_COUNT"
    LATEST = "LATEST"


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


class InvoiceStatus(enum.StrEnum):
    OPEN = "OPEN"  # finalized, immutable, awaiting payment
    PAID = "PAID"
    VOID = "VOID"


class LineKind(enum.StrEnum):
    PLATFORM_FEE = "PLATFORM_FEE"
    USAGE = "USAGE"
    PACKAGE = "PACKAGE"


class BudgetTarget(enum.StrEnum):
    METER = "METER"  # a quantity of one meter
    AMOUNT_DUE = "AMOUNT_DUE"  # the upcoming invoice's total, in minor units


class OutboxKind(enum.StrEnum):
    CUSTOMER = "CUSTOMER"
    INVOICE = "INVOICE"
    INVOICE_VOID = "INVOICE_VOID"


class Meter(IdMixin, Base):
    """What is counted, and how events become one quantity per period."""

    __tablename__ = "meters"

    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40))
    aggregation: Mapped[Aggregation] = mapped_column(_enum(Aggregation))
    # UNIQUE_COUNT counts distinct values of this event property
    property: Mapped[str | None] = mapped_column(String(64))
    # only events whose properties equal all of these are counted
    filter: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    builtin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class Plan(IdMixin, Base):
    __tablename__ = "plans"

    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    monthly_fee: Mapped[int] = mapped_column(BigInteger)  # minor units per calendar month
    active: Mapped[bool] = mapped_column(default=True)  # inactive plans take no new subscriptions
    created_at: Mapped[datetime]


class PlanPrice(IdMixin, Base):
    """How one meter is charged on one plan: a `rating.PriceSpec` kept as JSON (decimals as strings)."""

    __tablename__ = "plan_prices"
    __table_args__ = (UniqueConstraint("plan_id", "meter_id"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    meter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meters.id"))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)


class BillingAccount(IdMixin, Base):
    """An organization's billing identity: its one currency and its invoice number sequence."""

    __tablename__ = "billing_accounts"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    billing_email: Mapped[str | None] = mapped_column(String(254))
    invoice_prefix: Mapped[str] = mapped_column(String(12), unique=True)
    last_invoice_sequence: Mapped[int] = mapped_column(Integer, default=0)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]


class Subscription(IdMixin, Base):
    """An organization on a plan over [started_at, ended_at). Changing plans ends one and starts the next."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_org", "organization_id", "started_at"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"))
    status: Mapped[SubscriptionStatus] = mapped_column(_enum(SubscriptionStatus))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(80))


class PackageCharge(IdMixin, Base):
    """A priced package installed by an organization over [started_at, ended_at), at the price and
    publisher share in force when it was installed."""

    __tablename__ = "package_charges"
    __table_args__ = (Index("ix_package_charges_org", "organization_id", "started_at"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    package_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"))
    publisher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("publishers.id", ondelete="CASCADE"))
    package_name: Mapped[str] = mapped_column(String(110))
    pricing_model: Mapped[str] = mapped_column(String(24))  # marketplace PricingModel: PER_RUN or MONTHLY
    amount: Mapped[int] = mapped_column(BigInteger)  # minor units per run or per month
    currency: Mapped[str] = mapped_column(String(3))
    publisher_share_bps: Mapped[int] = mapped_column(Integer)  # basis points of each charge
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class UsageEvent(IdMixin, Base):
    """One acknowledged usage event. Never updated, never deleted while its period is open."""

    __tablename__ = "usage_events"
    __table_args__ = (
        UniqueConstraint("organization_id", "idempotency_key"),
        # the quantity rides along (PostgreSQL INCLUDE), so a period's aggregate reads the index only
        Index(
            "ix_usage_events_org_meter_time",
            "organization_id",
            "meter_id",
            "timestamp",
            postgresql_include=["quantity_micros"],
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    meter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meters.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    # sha256 of the event's canonical content: a repeated key must carry the same content
    content_hash: Mapped[str] = mapped_column(String(64))
    quantity_micros: Mapped[int] = mapped_column(BigInteger)
    timestamp: Mapped[datetime]
    properties: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    reported_by: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime]


class Invoice(IdMixin, Base):
    """A finalized invoice: immutable lines, a number from the organization's gapless sequence."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("organization_id", "period_start"),
        UniqueConstraint("organization_id", "sequence"),
        Index("ix_invoices_period", "period_start"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[InvoiceStatus] = mapped_column(_enum(InvoiceStatus))
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    subtotal: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    finalized_at: Mapped[datetime]
    finalized_by: Mapped[str] = mapped_column(String(80))
    paid_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(80))
    payment_failed_at: Mapped[datetime | None]


class InvoiceLine(IdMixin, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        Index("ix_invoice_lines_invoice", "invoice_id"),
        Index("ix_invoice_lines_package", "package_id"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[LineKind] = mapped_column(_enum(LineKind))
    description: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    quantity: Mapped[str] = mapped_column(String(40))  # exact decimal text: totals may pass 64 bits
    amount: Mapped[int] = mapped_column(BigInteger)  # rounded once, per line
    meter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meters.id"))
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plans.id"))
    package_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("packages.id", ondelete="SET NULL"))
    publisher_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("publishers.id", ondelete="SET NULL"))
    publisher_share: Mapped[int] = mapped_column(BigInteger, default=0)  # for payouts; part of `amount`
    price: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the PriceSpec applied, for the record


class Budget(IdMixin, Base):
    __tablename__ = "budgets"
    __table_args__ = (Index("ix_budgets_org", "organization_id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    target: Mapped[BudgetTarget] = mapped_column(_enum(BudgetTarget))
    meter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meters.id"))
    threshold: Mapped[int] = mapped_column(BigInteger)  # micro-units of the meter, or minor units
    hard_limit: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80))


class BudgetCrossing(IdMixin, Base):
    """A budget crossed in a period: at most one per budget and period, so its alert fires once."""

    __tablename__ = "budget_crossings"
    __table_args__ = (UniqueConstraint("budget_id", "period_start"),)

    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    period_start: Mapped[datetime]
    value: Mapped[int] = mapped_column(BigInteger)
    crossed_at: Mapped[datetime]


class OutboxMessage(IdMixin, Base):
    """Work for Stripe, written in the transaction of the change it mirrors; sent later, with retries."""

    __tablename__ = "billing_outbox"
    __table_args__ = (Index("ix_billing_outbox_due", "sent_at", "next_attempt_at"),)

    kind: Mapped[OutboxKind] = mapped_column(_enum(OutboxKind))
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    subject_id: Mapped[uuid.UUID]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class StripeWebhookEvent(IdMixin, Base):
    """A Stripe event applied once: deliveries of the same event id again are acknowledged, not reapplied."""

    __tablename__ = "stripe_webhook_events"

    stripe_event_id: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    received_at: Mapped[datetime]
