"""The billing journey through GraphQL, step by step: operator, plans, subscriptions, usage, invoices."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from domain.auth.service import set_platform_operator
from domain.clock import clock
from domain.db import unit_of_work
from domain.principal import Principal
from tests.helpers import Account, GraphQL, api_key, log_in, sign_up, unique
from tests.marketplace import flow as mflow

CREATE_PLAN = """
mutation($input: CreatePlanInput!) {
  createPlan(input: $input) {
    plan { id key currency monthlyFee { amount currency } prices { meter { key } model includedQuantity } }
    userErrors { field message code }
  }
}
"""
SUBSCRIBE = """
mutation($input: SubscribeInput!) {
  subscribe(input: $input) { subscription { id status startedAt plan { key } } userErrors { field message code } }
}
"""
CANCEL = (
    "mutation { cancelSubscription { subscription { id status endedAt } userErrors { field message code } } }"
)
REPORT = """
mutation($input: ReportUsageInput!) {
  reportUsage(input: $input) { accepted duplicates userErrors { field message code } }
}
"""
LINE_FIELDS = "kind description quantity amount { amount currency } publisherShare { amount } meter { key } package { id fullName }"
UPCOMING = (
    "query($org: ID) { upcomingInvoice(organizationId: $org) { period currency subtotal { amount } "
    "total { amount currency } lines { " + LINE_FIELDS + " } } }"
)
FINALIZE = (
    "mutation($input: FinalizeInvoiceInput!) { finalizeInvoice(input: $input) { invoice { id number status period "
    "total { amount currency } subtotal { amount } lines { "
    + LINE_FIELDS
    + " } } userErrors { field message code } } }"
)
VOID = """
mutation($input: VoidInvoiceInput!) { voidInvoice(input: $input) { invoice { id status voidedAt } userErrors { field message code } } }
"""
MARK_PAID = """
mutation($input: MarkInvoicePaidInput!) { markInvoicePaid(input: $input) { invoice { id status paidAt } userErrors { field message code } } }
"""
INVOICES = """
query($org: ID, $status: InvoiceStatus) {
  invoices(organizationId: $org, status: $status, first: 50) {
    totalCount nodes { id number status period total { amount currency } stripeInvoiceId lines { amount { amount } } }
  }
}
"""
CREATE_BUDGET = """
mutation($input: CreateBudgetInput!) {
  createBudget(input: $input) { budget { id name target threshold hardLimit meter { key } } userErrors { field message code } }
}
"""


async def operator(gql: GraphQL, app: FastAPI) -> Account:
    """The owner of a new organization made platform operator (as `atom orgs platform-operator` does)."""
    account = await sign_up(gql, prefix="operator")
    assert account.organization_slug is not None
    async with unit_of_work(app.state.sessionmaker) as session:
        await set_platform_operator(
            session, Principal.system(), slug=account.organization_slug, operator=True
        )
    return account


def per_unit(meter: str, unit_amount: str, included: str = "0") -> dict[str, Any]:
    return {"meter": meter, "model": "PER_UNIT", "unitAmount": unit_amount, "includedQuantity": included}


async def create_plan(
    gql: GraphQL,
    op: Account,
    *,
    currency: str = "EUR",
    monthly_fee: int = 2900,
    prices: list[dict[str, Any]] | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    variables = {
        "key": key or unique("plan"),
        "name": "Team",
        "currency": currency,
        "monthlyFee": monthly_fee,
        "prices": prices
        if prices is not None
        else [per_unit("tokens", "0.002"), per_unit("tool_calls", "0.5")],
    }
    payload = (await gql(CREATE_PLAN, {"input": variables}, token=op.access_token))["createPlan"]
    assert payload["userErrors"] == [], payload
    plan: dict[str, Any] = payload["plan"]
    return plan


async def subscribe(gql: GraphQL, account: Account, plan_key: str) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await gql(SUBSCRIBE, {"input": {"plan": plan_key}}, token=account.access_token)
    )["subscribe"]
    return payload


async def customer(gql: GraphQL, plan_key: str) -> tuple[Account, str]:
    """A new organization on `plan_key`, with an API key that may report usage: (owner, key secret)."""
    owner = await sign_up(gql, prefix="customer")
    subscribed = await subscribe(gql, owner, plan_key)
    assert subscribed["userErrors"] == [], subscribed
    _, secret = await api_key(gql, owner, scopes=["usage:write"])
    return owner, secret


def event(
    meter: str, quantity: str | float, key: str | None = None, at: datetime | None = None, **properties: str
) -> dict[str, Any]:
    return {
        "meter": meter,
        "quantity": str(quantity),
        "timestamp": (at or clock.now()).isoformat(),
        "idempotencyKey": key or unique("evt"),
        **({"properties": properties} if properties else {}),
    }


async def report(gql: GraphQL, secret: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql(REPORT, {"input": {"events": events}}, **{"X-API-Key": secret}))[
        "reportUsage"
    ]
    return payload


async def relog(gql: GraphQL, account: Account) -> Account:
    """A fresh access token (after the clock moved past the old one's lifetime)."""
    return await log_in(gql, account.email, account.organization_slug)


@contextlib.contextmanager
def frozen(at: datetime | None = None) -> Iterator[datetime]:
    start = at or datetime.now(UTC)
    clock.freeze(start)
    try:
        yield start
    finally:
        clock.unfreeze()


async def priced_package(
    gql: GraphQL,
    app: FastAPI,
    tmp_path: Path,
    *,
    model: str,
    amount: int,
    currency: str = "EUR",
    reviewer: Account | None = None,
) -> tuple[mflow.Publisher, str, str]:
    """A published package priced `model`/`amount`: (publisher, package id, full name)."""
    from tests.marketplace.test_installs import release

    pub = await mflow.publisher(gql)
    name = unique("paid")
    package_id = await mflow.create_package(
        gql, pub, name, pricing={"model": model, "amount": amount, "currency": currency}
    )
    reviewer = reviewer or await mflow.trusted_reviewer(gql, app)
    await release(gql, tmp_path, pub, package_id, "1.0.0", reviewer, name=name)
    return pub, package_id, f"{pub.namespace}/{name}"


async def install(gql: GraphQL, account: Account, package_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await gql(mflow.INSTALL, {"input": {"packageId": package_id}}, token=account.access_token)
    )["installPackage"]
    return payload
