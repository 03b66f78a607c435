"""The root `Subscription` type: live topics over WebSocket (docs/subscriptions.md), each a thin
wrapper of a stream in `resolvers.streams` that turns its domain values into GraphQL objects."""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from resolvers import streams
from resolvers.context import Context
from resolvers.ids import to_global_id
from schema.billing import BudgetAlert, Invoice, InvoiceStatus, Meter, Money, money
from schema.marketplace import Package, PackageVersion, VersionStatus

S = TypeVar("S")
V = TypeVar("V")


async def each(source: AsyncIterator[S], view: Callable[[S], V]) -> AsyncGenerator[V, None]:
    """A stream's domain values as GraphQL objects, e.g. `each(await streams.budget_alerts(context),
    BudgetAlert.build)`: each is resolved in the stream's event scope, where its fields read."""
    try:
        async for item in source:
            yield view(item)
    finally:
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()


# ---------------------------------------------------------------- marketplace


@strawberry.type(description="A version of a package moved in the review state machine.")
class PackageStatusChange:
    package_id: strawberry.ID
    version_id: strawberry.ID
    version_number: str = strawberry.field(description="The version's semantic version, e.g. 1.2.0.")
    from_status: VersionStatus | None = strawberry.field(  # type: ignore[valid-type]
        description="Null when the version was just uploaded."
    )
    to_status: VersionStatus  # type: ignore[valid-type]
    reason: str | None
    occurred_at: datetime
    source: strawberry.Private[streams.StatusChange]

    @classmethod
    def build(cls, change: streams.StatusChange) -> PackageStatusChange:
        return cls(
            package_id=strawberry.ID(to_global_id("Package", change.package_id)),
            version_id=strawberry.ID(to_global_id("PackageVersion", change.version_id)),
            version_number=change.version,
            from_status=change.from_status,
            to_status=change.to_status,
            reason=change.reason,
            occurred_at=change.at,
            source=change,
        )

    @strawberry.field(description="The version as it stands when this is delivered; null if out of sight.")
    async def version(self, info: Info[Context, Any]) -> PackageVersion | None:
        row = await info.context.loaders.version_by_id.load(self.source.version_id)
        return PackageVersion.from_model(row) if row else None

    @strawberry.field(description="The package; null if out of sight.")
    async def package(self, info: Info[Context, Any]) -> Package | None:
        row = await info.context.loaders.package_by_id.load(self.source.package_id)
        return Package.from_model(row) if row else None


@strawberry.type(description="A version of a public package was published.")
class MarketplacePublication:
    package: Package
    version: PackageVersion
    occurred_at: datetime

    @classmethod
    def build(cls, publication: streams.Publication) -> MarketplacePublication:
        return cls(
            package=Package.from_model(publication.package),
            version=PackageVersion.from_model(publication.version),
            occurred_at=publication.at,
        )


# ---------------------------------------------------------------- billing


@strawberry.type(description="A meter's total so far in the current billing period.")
class UsageUpdate:
    meter: Meter
    period: str = strawberry.field(description="YYYY-MM.")
    period_start: datetime
    period_end: datetime
    total: Decimal = strawberry.field(description="As the invoice will count it (the meter's aggregation).")
    as_of: datetime

    @classmethod
    def build(cls, update: streams.UsageTotal) -> UsageUpdate:
        return cls(
            meter=Meter.from_model(update.meter),
            period=update.period.key,
            period_start=update.period.start,
            period_end=update.period.end,
            total=update.total,
            as_of=update.at,
        )


@strawberry.enum(description="What happened to an invoice.")
class InvoiceEventKind(enum.Enum):
    FINALIZED = "FINALIZED"
    PAID = "PAID"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    VOIDED = "VOIDED"


@strawberry.type(
    description="An invoice of your organization was finalized, paid, failed a payment or voided."
)
class InvoiceEvent:
    kind: InvoiceEventKind
    invoice_id: strawberry.ID
    number: str
    status: InvoiceStatus = strawberry.field(  # type: ignore[valid-type]
        description="The invoice's status right after this event."
    )
    total: Money
    occurred_at: datetime
    source: strawberry.Private[streams.InvoiceChange]

    @classmethod
    def build(cls, change: streams.InvoiceChange) -> InvoiceEvent:
        return cls(
            kind=InvoiceEventKind[change.kind.name],
            invoice_id=strawberry.ID(to_global_id("Invoice", change.invoice_id)),
            number=change.number,
            status=change.status,
            total=money(change.total, change.currency),
            occurred_at=change.at,
            source=change,
        )

    @strawberry.field(description="The invoice as it stands when this is delivered.")
    async def invoice(self, info: Info[Context, Any]) -> Invoice | None:
        row = await info.context.loaders.invoice_by_id.load(self.source.invoice_id)
        return Invoice.from_model(row) if row else None


# ---------------------------------------------------------------- root


@strawberry.type(
    description="Live topics, over WebSocket at /graphql (graphql-transport-ws, or the legacy graphql-ws), "
    "authenticated in `connection_init`. A stream is authorized when it starts and again as it runs: a "
    "revoked role or key, or an expired access token, ends it with FORBIDDEN or UNAUTHENTICATED; a client "
    "that falls too far behind is ended with SUBSCRIBER_TOO_SLOW. See docs/subscriptions.md."
)
class Subscription:
    @strawberry.subscription(
        description="Transitions of a package's versions. Members of the owner organization with "
        "packages:read see every transition; trusted reviewer organizations' members with "
        "packages:review see the review steps of public packages (all but DRAFT); anyone else who may "
        "see a public package sees it published, yanked and revoked. Refused with NOT_FOUND for a "
        "package you may not see."
    )
    async def package_status(
        self, info: Info[Context, Any], package_id: strawberry.ID
    ) -> AsyncGenerator[PackageStatusChange, None]:
        return each(await streams.package_status(info.context, str(package_id)), PackageStatusChange.build)

    @strawberry.subscription(
        description="New publications: a version of a public package was published. For any signed-in "
        "caller; private packages never show here."
    )
    async def marketplace_activity(
        self, info: Info[Context, Any]
    ) -> AsyncGenerator[MarketplacePublication, None]:
        return each(await streams.marketplace_activity(info.context), MarketplacePublication.build)

    @strawberry.subscription(
        description="Your organization's live total of a meter in the current billing period: sent right "
        "away, then after usage is recorded, at most once per ATOM_USAGE_UPDATES_INTERVAL_SECONDS (a burst "
        "comes as one update). Needs billing:read."
    )
    async def usage_updates(self, info: Info[Context, Any], meter: str) -> AsyncGenerator[UsageUpdate, None]:
        return each(await streams.usage_updates(info.context, meter), UsageUpdate.build)

    @strawberry.subscription(
        description="Your organization's budgets reaching their threshold. Needs billing:read."
    )
    async def budget_alerts(self, info: Info[Context, Any]) -> AsyncGenerator[BudgetAlert, None]:
        return each(await streams.budget_alerts(info.context), BudgetAlert.build)

    @strawberry.subscription(
        description="Your organization's invoices: finalized, paid, payment failed, voided. "
        "Needs billing:read."
    )
    async def invoice_events(self, info: Info[Context, Any]) -> AsyncGenerator[InvoiceEvent, None]:
        return each(await streams.invoice_events(info.context), InvoiceEvent.build)


__all__ = ["Subscription"]
