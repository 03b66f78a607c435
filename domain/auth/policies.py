"""Authorization with Casbin: RBAC with domains, one domain per organization, rules in the database.

Subjects are `user:<id>` and `apikey:<id>`, roles `role:<name>`, domains `org:<id>`, and a
permission `<resource>:<action>` is the (obj, act) pair. Each organization's rules are versioned:
every change records a snapshot with a SHA-256 content hash, which also keys the enforcer cache,
so a replica never decides with stale rules (it reads the current hash in the request's transaction).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import casbin
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth import repository
from domain.auth.models import Organization, PolicyRule, PolicyVersion
from domain.clock import clock
from domain.principal import Principal, PrincipalKind

MODEL_TEXT = """
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
"""

Rule = tuple[str, str, str, str, str]  # ptype, v0, v1, v2, v3


def domain_of(organization_id: uuid.UUID) -> str:
    return f"org:{organization_id}"


def role_subject(role_name: str) -> str:
    return f"role:{role_name}"


def split_permission(permission: str) -> tuple[str, str]:
    resource, _, action = permission.partition(":")
    return resource, action


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    permission: str
    # The rule that allowed it, as Casbin reports it (`p, role:developer, org:…, packages, publish`).
    rule: tuple[str, ...] | None
    reason: str
    policy_version: int | None = None


def canonical_rules(rules: Iterable[PolicyRule]) -> list[list[str]]:
    return sorted([r.ptype, r.v0, r.v1, r.v2, r.v3] for r in rules)


def content_hash(rules: list[list[str]]) -> str:
    return hashlib.sha256(json.dumps(rules, separators=(",", ":")).encode()).hexdigest()


class PolicyEngine:
    """Process-wide cache of built enforcers keyed by (organization, policy content hash)."""

    def __init__(self, max_entries: int = 512) -> None:
        self._model = casbin.Enforcer.new_model(text=MODEL_TEXT)
        self._cache: OrderedDict[tuple[uuid.UUID, str], casbin.Enforcer] = OrderedDict()
        self._max = max_entries

    def build(self, rules: Sequence[Sequence[str]]) -> casbin.Enforcer:
        enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=MODEL_TEXT))
        p_rules = [list(r[1:5]) for r in rules if r[0] == "p"]
        g_rules = [list(r[1:4]) for r in rules if r[0] == "g"]
        if p_rules:
            enforcer.add_policies(p_rules)
        if g_rules:
            enforcer.add_grouping_policies(g_rules)
        return enforcer

    def enforcer(self, organization_id: uuid.UUID, version: PolicyVersion) -> casbin.Enforcer:
        key = (organization_id, version.content_hash)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        enforcer = self.build(version.rules)
        self._cache[key] = enforcer
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return enforcer


class Authorizer:
    """Answers 'may this principal do that here?' within one request (memoizes per organization)."""

    def __init__(self, session: AsyncSession, engine: PolicyEngine) -> None:
        self._session = session
        self._engine = engine
        # In-flight lookups are shared: sibling fields check permissions concurrently.
        self._versions: dict[uuid.UUID, asyncio.Task[PolicyVersion | None]] = {}
        # The same question comes back once per object of a list (e.g. `email` of every member).
        self._decisions: dict[tuple[uuid.UUID, str, str, str], Decision] = {}

    async def _version(self, organization_id: uuid.UUID) -> PolicyVersion | None:
        task = self._versions.get(organization_id)
        if task is None:
            task = asyncio.ensure_future(repository.latest_policy_version(self._session, organization_id))
            self._versions[organization_id] = task
        # Shielded: one waiter being cancelled must not cancel the lookup the others share.
        return await asyncio.shield(task)

    def forget(self, organization_id: uuid.UUID) -> None:
        """Called after a policy change in this request, so later checks see the new rules."""
        self._versions.pop(organization_id, None)

    async def decide_for_subject(self, organization_id: uuid.UUID, subject: str, permission: str) -> Decision:
        version = await self._version(organization_id)
        if version is None:
            return Decision(False, permission, None, "The organization has no policy.")
        key = (organization_id, version.content_hash, subject, permission)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decisions[key] = self._enforce(organization_id, version, subject, permission)
        return decision

    def _enforce(
        self, organization_id: uuid.UUID, version: PolicyVersion, subject: str, permission: str
    ) -> Decision:
        enforcer = self._engine.enforcer(organization_id, version)
        resource, action = split_permission(permission)
        allowed, explain = enforcer.enforce_ex(subject, domain_of(organization_id), resource, action)
        if allowed:
            rule = ("p", *explain)
            return Decision(True, permission, rule, f"Allowed by {', '.join(rule)}.", version.number)
        return Decision(False, permission, None, "No rule grants this permission.", version.number)

    async def decide(self, principal: Principal, permission: str) -> Decision:
        if principal.kind is PrincipalKind.SYSTEM:
            return Decision(True, permission, None, "System principal.")
        if not principal.is_authenticated:
            return Decision(False, permission, None, "Not authenticated.")
        if principal.organization_id is None:
            return Decision(False, permission, None, "No organization selected.")
        if principal.scopes is not None and permission not in principal.scopes:
            return Decision(False, permission, None, "The API key's scopes do not include this permission.")
        if principal.roles is not None:
            # A federated token's roles, as this organization defines them today.
            for role in sorted(principal.roles):
                decision = await self.decide_for_subject(
                    principal.organization_id, role_subject(role), permission
                )
                if decision.allowed:
                    return decision
            return Decision(False, permission, None, "No role of the token grants this permission.")
        return await self.decide_for_subject(principal.organization_id, principal.subject, permission)

    async def permissions_of_principal(self, principal: Principal) -> set[str]:
        """What the principal may do in the organization it acts for (roles, then scopes)."""
        if principal.organization_id is None or not principal.is_authenticated:
            return set()
        if principal.roles is not None:
            granted: set[str] = set()
            for role in principal.roles:
                granted |= await self.permissions_of(principal.organization_id, role_subject(role))
        else:
            granted = await self.permissions_of(principal.organization_id, principal.subject)
        if principal.scopes is not None:
            granted &= principal.scopes
        return granted

    async def permissions_of(self, organization_id: uuid.UUID, subject: str) -> set[str]:
        version = await self._version(organization_id)
        if version is None:
            return set()
        enforcer = self._engine.enforcer(organization_id, version)
        perms = enforcer.get_implicit_permissions_for_user(subject, domain_of(organization_id))
        return {f"{p[2]}:{p[3]}" for p in perms}


async def lock_organization(session: AsyncSession, organization_id: uuid.UUID) -> None:
    """Serialize policy changes of one organization (row lock on PostgreSQL; SQLite writers are serial)."""
    await session.execute(select(Organization.id).where(Organization.id == organization_id).with_for_update())


async def add_rules(session: AsyncSession, organization_id: uuid.UUID, rules: Iterable[Rule]) -> None:
    existing = {
        (r.ptype, r.v0, r.v1, r.v2, r.v3) for r in await repository.policy_rules(session, organization_id)
    }
    for rule in rules:
        if rule in existing:
            continue
        ptype, v0, v1, v2, v3 = rule
        session.add(PolicyRule(organization_id=organization_id, ptype=ptype, v0=v0, v1=v1, v2=v2, v3=v3))
        existing.add(rule)
    await session.flush()


async def remove_rules(session: AsyncSession, organization_id: uuid.UUID, rules: Iterable[Rule]) -> None:
    for ptype, v0, v1, v2, v3 in rules:
        await session.execute(
            delete(PolicyRule).where(
                PolicyRule.organization_id == organization_id,
                PolicyRule.ptype == ptype,
                PolicyRule.v0 == v0,
                PolicyRule.v1 == v1,
                PolicyRule.v2 == v2,
                PolicyRule.v3 == v3,
            )
        )


async def remove_subject(session: AsyncSession, organization_id: uuid.UUID, subject: str) -> None:
    await session.execute(
        delete(PolicyRule).where(
            PolicyRule.organization_id == organization_id, PolicyRule.ptype == "g", PolicyRule.v0 == subject
        )
    )


async def record_version(
    session: AsyncSession, organization_id: uuid.UUID, *, actor: str, summary: str
) -> PolicyVersion:
    """Snapshot the organization's rules as a new version, unless nothing changed."""
    rules = canonical_rules(await repository.policy_rules(session, organization_id))
    digest = content_hash(rules)
    latest = await repository.latest_policy_version(session, organization_id)
    if latest is not None and latest.content_hash == digest:
        return latest
    version = PolicyVersion(
        organization_id=organization_id,
        number=(latest.number + 1) if latest else 1,
        content_hash=digest,
        rules=rules,
        created_at=clock.now(),
        created_by=actor,
        summary=summary,
    )
    session.add(version)
    await session.flush()
    return version


def diff_versions(older: PolicyVersion, newer: PolicyVersion) -> tuple[list[list[str]], list[list[str]]]:
    """(added, removed) rules going from `older` to `newer`."""
    before = {tuple(r) for r in older.rules}
    after = {tuple(r) for r in newer.rules}
    return sorted(list(r) for r in after - before), sorted(list(r) for r in before - after)
