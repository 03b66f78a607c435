"""Demo data: an organization, a few users with different roles and an API key, for a first look."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth import policies, repository, service
from domain.auth.models import Membership, User
from domain.auth.policies import Authorizer, PolicyEngine, domain_of, role_subject
from domain.auth.secrets import hash_password
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
    return DemoCredentials(DEMO_ORG_SLUG, tuple((e, r) for e, _n, r in DEMO_USERS), DEMO_PASSWORD, secret)
