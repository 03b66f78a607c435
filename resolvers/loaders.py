"""Per-request dataloaders, `<Model>By<Key>Loader`-style, every one of them tenant-scoped by the principal."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar, cast

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from domain.auth import repository
from domain.auth.models import (
    ApiKey,
    Invitation,
    Membership,
    Organization,
    PolicyRule,
    PolicyVersion,
    Role,
    TrustedIssuer,
    User,
)
from domain.billing.models import Budget, BudgetCrossing, Invoice, InvoiceLine, Meter, Plan, PlanPrice
from domain.billing.rating import PriceSpec
from domain.marketplace import repository as market_repository
from domain.marketplace.models import (
    Install,
    Package,
    PackageVersion,
    Publisher,
    SigningIdentity,
    VersionTransition,
)
from domain.principal import Principal

M = TypeVar(
    "M",
    Organization,
    User,
    Membership,
    ApiKey,
    Invitation,
    Role,
    PolicyVersion,
    Package,
    PackageVersion,
    Publisher,
    SigningIdentity,
    Install,
    Invoice,
    Budget,
    Plan,
    Meter,
    TrustedIssuer,
)


def _by_id(session: AsyncSession, scoped: Select[M], model: type[M]) -> DataLoader[uuid.UUID, M | None]:
    async def load(keys: Sequence[uuid.UUID]) -> list[M | None]:
        rows = (await session.execute(scoped.where(model.id.in_(keys)))).scalars().all()
        found = {row.id: row for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.organization_by_id = _by_id(
            session, repository.organizations_visible_to(principal), Organization
        )
        self.user_by_id = _by_id(session, repository.users_visible_to(principal), User)
        self.membership_by_id = _by_id(session, repository.memberships_in_scope(principal), Membership)
        self.api_key_by_id = _by_id(session, repository.tenant_scoped(ApiKey, principal), ApiKey)
        self.invitation_by_id = _by_id(session, repository.tenant_scoped(Invitation, principal), Invitation)
        self.role_by_id = _by_id(session, _roles_visible_to(principal), Role)
        self.policy_version_by_id = _by_id(
            session, repository.tenant_scoped(PolicyVersion, principal), PolicyVersion
        )
        self.trusted_issuer_by_id = _by_id(
            session, repository.tenant_scoped(TrustedIssuer, principal), TrustedIssuer
        )
        self.package_by_id = _by_id(session, market_repository.packages_visible_to(principal), Package)
        self.version_by_id = _by_id(session, market_repository.versions_visible_to(principal), PackageVersion)
        # Publishers and signing identities are public facts about published work.
        self.publisher_by_id = _by_id(session, select(Publisher), Publisher)
        self.signing_identity_by_id = _by_id(session, select(SigningIdentity), SigningIdentity)
        self.install_by_id = _by_id(
            session, cast(Select[Install], market_repository.own(Install, principal)), Install
        )
        own = principal.organization_id  # billing rows are the active organization's only
        self.invoice_by_id = _by_id(session, select(Invoice).where(Invoice.organization_id == own), Invoice)
        self.budget_by_id = _by_id(session, select(Budget).where(Budget.organization_id == own), Budget)
        # The catalogue (plans, meters) is public to every signed-in caller, as the root fields are.
        self.plan_by_id = _by_id(session, _signed_in(select(Plan), principal), Plan)
        self.meter_by_id = _by_id(session, _signed_in(select(Meter), principal), Meter)
        self.prices_by_plan: DataLoader[uuid.UUID, list[tuple[Meter, PriceSpec]]] = DataLoader(
            load_fn=self._prices_by_plan
        )
        self.lines_by_invoice: DataLoader[uuid.UUID, list[InvoiceLine]] = DataLoader(
            load_fn=self._lines_by_invoice
        )
        self.crossings_by_budget: DataLoader[uuid.UUID, list[BudgetCrossing]] = DataLoader(
            load_fn=self._crossings_by_budget
        )
        self.identities_by_publisher: DataLoader[uuid.UUID, list[SigningIdentity]] = DataLoader(
            load_fn=self._identities_by_publisher
        )
        self.transitions_by_version: DataLoader[uuid.UUID, list[VersionTransition]] = DataLoader(
            load_fn=self._transitions_by_version
        )
        self.latest_published_by_package: DataLoader[uuid.UUID, PackageVersion | None] = DataLoader(
            load_fn=self._latest_published
        )
        self.roles_by_subject: DataLoader[tuple[uuid.UUID, str], list[str]] = DataLoader(
            load_fn=self._roles_by_subject
        )
        self.permissions_by_role: DataLoader[tuple[uuid.UUID, str], list[str]] = DataLoader(
            load_fn=self._permissions_by_role
        )

    async def _latest_published(self, keys: Sequence[uuid.UUID]) -> list[PackageVersion | None]:
        latest = market_repository.latest_published_versions()
        stmt = select(PackageVersion).where(
            PackageVersion.id.in_(select(latest.c.id).where(latest.c.package_id.in_(keys)))
        )
        found = {v.package_id: v for v in (await self.session.execute(stmt)).scalars()}
        return [found.get(k) for k in keys]

    async def _crossings_by_budget(self, keys: Sequence[uuid.UUID]) -> list[list[BudgetCrossing]]:
        rows = await self.session.scalars(
            select(BudgetCrossing)
            .where(
                BudgetCrossing.budget_id.in_(keys),
                BudgetCrossing.organization_id == self.principal.organization_id,
            )
            .order_by(BudgetCrossing.period_start.desc())
        )
        found: dict[uuid.UUID, list[BudgetCrossing]] = defaultdict(list)
        for row in rows:
            found[row.budget_id].append(row)
        return [found.get(k, []) for k in keys]

    async def _identities_by_publisher(self, keys: Sequence[uuid.UUID]) -> list[list[SigningIdentity]]:
        # only called for the caller's own publisher
        rows = await self.session.scalars(
            select(SigningIdentity).where(SigningIdentity.publisher_id.in_(keys)).order_by(SigningIdentity.id)
        )
        found: dict[uuid.UUID, list[SigningIdentity]] = defaultdict(list)
        for row in rows:
            found[row.publisher_id].append(row)
        return [found.get(k, []) for k in keys]

    async def _transitions_by_version(self, keys: Sequence[uuid.UUID]) -> list[list[VersionTransition]]:
        # only called for versions the caller was allowed to load
        rows = await self.session.scalars(
            select(VersionTransition)
            .where(VersionTransition.version_id.in_(keys))
            .order_by(VersionTransition.id)
        )
        found: dict[uuid.UUID, list[VersionTransition]] = defaultdict(list)
        for row in rows:
            found[row.version_id].append(row)
        return [found.get(k, []) for k in keys]

    async def _prices_by_plan(self, keys: Sequence[uuid.UUID]) -> list[list[tuple[Meter, PriceSpec]]]:
        rows = await self.session.execute(
            select(PlanPrice.plan_id, Meter, PlanPrice.spec)
            .join(Meter, Meter.id == PlanPrice.meter_id)
            .where(PlanPrice.plan_id.in_(keys))
            .order_by(Meter.key)
        )
        found: dict[uuid.UUID, list[tuple[Meter, PriceSpec]]] = defaultdict(list)
        for plan_id, meter, spec in rows.all():
            found[plan_id].append((meter, PriceSpec.from_json(spec)))
        return [found.get(k, []) for k in keys]

    async def _lines_by_invoice(self, keys: Sequence[uuid.UUID]) -> list[list[InvoiceLine]]:
        # only called for invoices the caller was allowed to load
        rows = await self.session.scalars(
            select(InvoiceLine).where(InvoiceLine.invoice_id.in_(keys)).order_by(InvoiceLine.position)
        )
        found: dict[uuid.UUID, list[InvoiceLine]] = defaultdict(list)
        for line in rows:
            found[line.invoice_id].append(line)
        return [found.get(k, []) for k in keys]

    async def _roles_by_subject(self, keys: Sequence[tuple[uuid.UUID, str]]) -> list[list[str]]:
        rules = await self._rules([k[0] for k in keys], "g")
        found: dict[tuple[uuid.UUID, str], list[str]] = defaultdict(list)
        for rule in rules:
            found[(rule.organization_id, rule.v0)].append(rule.v1.removeprefix("role:"))
        return [sorted(found.get(k, [])) for k in keys]

    async def _permissions_by_role(self, keys: Sequence[tuple[uuid.UUID, str]]) -> list[list[str]]:
        rules = await self._rules([k[0] for k in keys], "p")
        found: dict[tuple[uuid.UUID, str], list[str]] = defaultdict(list)
        for rule in rules:
            found[(rule.organization_id, rule.v0.removeprefix("role:"))].append(f"{rule.v2}:{rule.v3}")
        return [sorted(found.get(k, [])) for k in keys]

    async def _rules(self, organization_ids: list[uuid.UUID], ptype: str) -> Sequence[PolicyRule]:
        stmt = select(PolicyRule).where(
            PolicyRule.organization_id.in_(set(organization_ids)), PolicyRule.ptype == ptype
        )
        return (await self.session.execute(stmt)).scalars().all()


def _signed_in(stmt: Select[M], principal: Principal) -> Select[M]:
    return stmt if principal.is_authenticated else stmt.where(false())


def _roles_visible_to(principal: Principal) -> Select[Role]:
    # Roles of any organization the caller belongs to (a user may look at each of its organizations).
    return select(Role).where(
        Role.organization_id.in_(
            repository.organizations_visible_to(principal).with_only_columns(Organization.id)
        )
    )
