"""Demo data: an organization, a few users with different roles and an API key, for a first look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth import policies, repository, service
from domain.auth.models import Membership, Organization, User
from domain.auth.policies import Authorizer, PolicyEngine, domain_of, role_subject
from domain.auth.secrets import hash_password
from domain.billing import rating
from domain.billing import service as billing
from domain.billing.periods import period_of
from domain.billing.usage import EventInput, ingest
from domain.clock import clock
from domain.principal import Principal

DEMO_ORG_SLUG = "acme"
DEMO_PASSWORD = "launchpad-demo-2026"
DEMO_USERS = (
    ("owner@acme.example", "Ada Owner", "owner"),
    ("dev@acme.example", "Dev Eloper", "developer"),
    ("reviewer@acme.example", "Rae Viewer", "reviewer"),
    ("finance@acme.example", "Fin Ance", "billing"),
)


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    organization_slug: str
    users: tuple[tuple[str, str], ...]  # (email, role)
    password: str
    api_key: str | None


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(User))


async def seed_demo(session: AsyncSession, engine: PolicyEngine) -> DemoCredentials | None:
    """Create the demo tenant unless it exists. Returns the credentials, or None if it was there."""
    if await repository.get_organization_by_slug(session, DEMO_ORG_SLUG) is not None:
        return None
    users = []
    for email, name, _role in DEMO_USERS:
        user = User(
            email=email, display_name=name, password_hash=hash_password(DEMO_PASSWORD), created_at=clock.now()
        )
        session.add(user)
        users.append(user)
    await session.flush()
    owner = users[0]
    org = await service.create_organization_for(
        session, owner=owner, name="Acme Workflows", slug=DEMO_ORG_SLUG
    )
    rules: list[policies.Rule] = []
    for user, (_email, _name, role) in zip(users[1:], DEMO_USERS[1:], strict=True):
        session.add(Membership(organization_id=org.id, user_id=user.id, created_at=clock.now()))
        rules.append(("g", f"user:{user.id}", role_subject(role), domain_of(org.id), ""))
    await session.flush()
    await policies.add_rules(session, org.id, rules)
    await policies.record_version(session, org.id, actor="system", summary="demo members")
    owner_principal = Principal.system(organization_id=org.id)
    _key, secret = await service.create_api_key(
        session,
        owner_principal,
        authorizer=Authorizer(session, engine),
        name="demo CI key",
        scopes=["packages:read", "packages:publish", "usage:write"],
        roles=["developer"],
    )
    await _seed_billing(session, org, owner_principal)
    return DemoCredentials(DEMO_ORG_SLUG, tuple((e, r) for e, _n, r in DEMO_USERS), DEMO_PASSWORD, secret)


async def _seed_billing(session: AsyncSession, org: Organization, principal: Principal) -> None:
    """Acme runs the demo platform (so its finance member sees platform revenue too), offers two plans,
    is on the Team plan since the start of last month and has used it every day since (last month's
    invoice is made by `server.demo` once the rest of the history is in place)."""
    org.platform_operator = True
    await session.flush()
    per_unit = rating.PriceModel.PER_UNIT
    await billing.create_plan(
        session,
        principal,
        key="starter",
        name="Starter",
        currency="EUR",
        monthly_fee=0,
        prices=[
            billing.PriceInput(
                "tokens",
                rating.PriceSpec(per_unit, unit_amount=Decimal("0.002"), included_quantity=Decimal(100_000)),
            ),
            billing.PriceInput("tool_calls", rating.PriceSpec(per_unit, unit_amount=Decimal("0.1"))),
        ],
    )
    await billing.create_plan(
        session,
        principal,
        key="team",
        name="Team",
        currency="EUR",
        monthly_fee=4900,
        prices=[
            billing.PriceInput(
                "tokens",
                rating.PriceSpec(
                    rating.PriceModel.GRADUATED,
                    tiers=(
                        rating.Tier(up_to=Decimal(1_000_000), unit_amount=Decimal(0)),
                        rating.Tier(up_to=None, unit_amount=Decimal("0.0015")),
                    ),
                ),
            ),
            billing.PriceInput("tool_calls", rating.PriceSpec(per_unit, unit_amount=Decimal("0.05"))),
            billing.PriceInput(
                "job_minutes",
                rating.PriceSpec(
                    rating.PriceModel.PACKAGE, package_size=Decimal(60), package_amount=Decimal(90)
                ),
            ),
        ],
    )
    subscription = await billing.subscribe(
        session, principal, plan_key="team", billing_email="finance@acme.example"
    )
    now = clock.now()
    # the demo tenant has been on it since last month
    subscription.started_at = period_of(period_of(now).start - timedelta(days=1)).start
    events = []
    day = subscription.started_at
    while day < now:
        n = day.day + day.month
        events += [
            EventInput(
                "tokens",
                Decimal(180_000 + 7_919 * n % 50_000),
                day + timedelta(hours=9),
                f"demo-tokens-{day:%Y%m%d}",
            ),
            EventInput(
                "tool_calls", Decimal(40 + n * 3 % 25), day + timedelta(hours=10), f"demo-calls-{day:%Y%m%d}"
            ),
            EventInput(
                "job_minutes",
                Decimal(25 + n * 7 % 40),
                day + timedelta(hours=11),
                f"demo-minutes-{day:%Y%m%d}",
            ),
        ]
        day += timedelta(days=1)
    events = [e for e in events if e.timestamp <= now]
    if events:
        await ingest(
            session, organization_id=org.id, actor="system:demo", events=events, max_future=timedelta(0)
        )
