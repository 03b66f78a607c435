"""A small world for entity tests, built through GraphQL (and the billing service for an ended period):
one organization holding an object of every entity type, a stranger's organization, and callers with
fewer permissions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from domain.billing import invoicing
from domain.billing.periods import period_of
from domain.clock import clock
from domain.db import unit_of_work
from domain.ids import to_global_id
from resolvers.ids import from_global_id
from tests.billing import flow as billing
from tests.helpers import Account, GraphQL, api_key, member_with_role, sign_up
from tests.marketplace import flow as market
from tests.marketplace.test_installs import release

ENTITY_TYPES = (
    "Organization",
    "User",
    "Publisher",
    "Package",
    "PackageVersion",
    "Install",
    "Plan",
    "Meter",
    "Invoice",
)

MY_PUBLISHER = "{ myPublisher { id } }"
METERS = "{ meters { id key } }"


@dataclass
class World:
    owner: Account  # owner of the hub organization: a publisher, on a plan, with an install and an invoice
    publisher: market.Publisher  # the hub as a publisher (the owner, its namespace and signing key)
    developer: Account  # a member of the hub holding `developer` (packages:read, no billing:read)
    accountant: Account  # a member of the hub holding `billing` (billing:read, no packages:read)
    stranger: Account  # owner of another organization
    key_secret: str  # an API key of the hub, scoped to packages:read
    ids: dict[str, str]  # __typename -> an object of the hub (or of the catalog) the owner may see
    private_package: str  # a private package of the hub, with a version under review
    private_version: str

    def representations(self) -> list[dict[str, str]]:
        return [{"__typename": name, "id": self.ids[name]} for name in ENTITY_TYPES]


def missing(type_name: str) -> str:
    """A well-formed global ID of `type_name` that names nothing."""
    return to_global_id(type_name, uuid.uuid4())


async def build_world(gql: GraphQL, app: FastAPI, tmp_path: Path) -> World:
    operator = await billing.operator(gql, app)
    plan = await billing.create_plan(gql, operator)
    reviewer = await market.trusted_reviewer(gql, app)

    pub = await market.publisher(gql)
    owner = pub.account
    package_id = await market.create_package(gql, pub, "federated")
    version = await release(gql, tmp_path, pub, package_id, "1.0.0", reviewer, name="federated")
    private_package = await market.create_package(gql, pub, "hidden", visibility="PRIVATE")
    private_version = await release(gql, tmp_path, pub, private_package, "0.1.0", None, name="hidden")

    subscribed = await billing.subscribe(gql, owner, plan["key"])
    assert subscribed["userErrors"] == [], subscribed
    installed = await billing.install(gql, owner, package_id)
    assert installed["userErrors"] == [], installed
    invoice_id = await finalized_invoice(app, owner)

    publisher_id = (await gql(MY_PUBLISHER, token=owner.access_token))["myPublisher"]["id"]
    meter_id = (await gql(METERS, token=owner.access_token))["meters"][0]["id"]
    developer = await member_with_role(gql, owner, "developer")
    accountant = await member_with_role(gql, owner, "billing")
    _, key_secret = await api_key(gql, owner, scopes=["packages:read"], roles=["viewer"])
    stranger = await sign_up(gql, prefix="stranger")
    assert owner.organization_id is not None
    ids = {
        "Organization": owner.organization_id,
        "User": developer.user_id,
        "Publisher": publisher_id,
        "Package": package_id,
        "PackageVersion": version["id"],
        "Install": installed["install"]["id"],
        "Plan": plan["id"],
        "Meter": meter_id,
        "Invoice": invoice_id,
    }
    return World(
        owner, pub, developer, accountant, stranger, key_secret, ids, private_package, private_version["id"]
    )


async def finalized_invoice(app: FastAPI, account: Account) -> str:
    """The invoice of the current period of `account`'s organization, finalized as it would be after the
    period's end (the clock moved there for the billing service, then back)."""
    assert account.organization_id is not None
    decoded = from_global_id(account.organization_id)
    assert decoded is not None
    period = period_of(clock.now())
    clock.freeze(period.end + timedelta(hours=1))
    try:
        async with unit_of_work(app.state.sessionmaker) as session:
            invoice = await invoicing.finalize(session, decoded[1], period, actor="system:test")
    finally:
        clock.unfreeze()
    return to_global_id("Invoice", invoice.id)
