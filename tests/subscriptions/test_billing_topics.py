"""Billing topics: usageUpdates (live totals, throttled), budgetAlerts and invoiceEvents deliver what
they should, to the organization they belong to and to nobody else."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi import FastAPI

from domain.billing.periods import period_of
from domain.clock import clock
from tests.billing import flow
from tests.billing.flow import CREATE_BUDGET, FINALIZE, MARK_PAID, event, report
from tests.conftest import LiveServer
from tests.helpers import Account, GraphQL, api_key, member_with_role
from tests.subscriptions.client import codes, signed_in

USAGE = """
subscription($meter: String!) {
  usageUpdates(meter: $meter) { meter { key } period periodStart periodEnd total asOf }
}
"""
BUDGET_ALERTS = """
subscription {
  budgetAlerts { budgetId name target threshold value period hardLimit occurredAt budget { id name } }
}
"""
INVOICE_EVENTS = """
subscription {
  invoiceEvents {
    kind invoiceId number status total { amount currency } occurredAt
    invoice { id number status lines { kind } }
  }
}
"""


async def customer(gql: GraphQL, app: FastAPI) -> tuple[Account, str]:
    """A new organization on a plan pricing tokens, with a key that reports usage: (owner, key)."""
    op = await flow.operator(gql, app)
    plan = await flow.create_plan(gql, op, prices=[flow.per_unit("tokens", "0.002")])
    return await flow.customer(gql, plan["key"])


async def budget(gql: GraphQL, owner: Account, threshold: str, name: str = "tokens") -> str:
    variables = {"name": name, "meter": "tokens", "threshold": threshold, "hardLimit": False}
    payload = (await gql(CREATE_BUDGET, {"input": variables}, token=owner.access_token))["createBudget"]
    assert payload["userErrors"] == [], payload
    return str(payload["budget"]["id"])


async def test_usage_updates_send_the_total_now_then_after_usage_throttled(
    server: LiveServer, live_gql: GraphQL, app: FastAPI
) -> None:
    owner, secret = await customer(live_gql, app)
    async with signed_in(server, owner.access_token) as client:
        await client.subscribe("u", USAGE, {"meter": "tokens"})
        first = (await client.data("u"))["usageUpdates"]
        period = period_of(clock.now())
        assert first["meter"] == {"key": "tokens"}
        assert (first["period"], first["total"]) == (period.key, "0")
        assert first["periodStart"].startswith(period.start.date().isoformat())
        reports = ["5", "7.5", "11"]
        for quantity in reports:
            assert (await report(live_gql, secret, [event("tokens", quantity)]))["accepted"] == 1
        assert (await report(live_gql, secret, [event("tool_calls", 3)]))["accepted"] == 1
        totals: list[Decimal] = []
        while not totals or totals[-1] < Decimal("23.5"):
            totals.append(Decimal((await client.data("u"))["usageUpdates"]["total"]))
        # each update is the total so far (never another meter's); a burst may come as one update
        assert totals[-1] == Decimal("23.5") and totals == sorted(totals) and len(totals) <= len(reports)


async def test_billing_topics_need_billing_read_and_usage_a_known_meter(
    server: LiveServer, live_gql: GraphQL, app: FastAPI
) -> None:
    owner, _ = await customer(live_gql, app)
    developer = await member_with_role(live_gql, owner, "developer")
    async with signed_in(server, developer.access_token) as client:
        for id, query in (("u", USAGE), ("b", BUDGET_ALERTS), ("i", INVOICE_EVENTS)):
            await client.subscribe(id, query, {"meter": "tokens"} if id == "u" else None)
            errors = await client.ending(id)
            assert codes(errors) == ["FORBIDDEN"], id
            assert errors[0]["message"] == "Missing permission billing:read.", id
    async with signed_in(server, owner.access_token) as client:
        await client.subscribe("u", USAGE, {"meter": "no-such-meter"})
        errors = await client.ending("u")
        assert codes(errors) == ["BAD_USER_INPUT"] and errors[0]["extensions"]["field"] == "meter"


async def test_budget_alerts_deliver_a_crossing_with_its_budget(
    server: LiveServer, live_gql: GraphQL, app: FastAPI
) -> None:
    owner, secret = await customer(live_gql, app)
    budget_id = await budget(live_gql, owner, "10.5", name="ten and a half")
    finance = await member_with_role(live_gql, owner, "billing", prefix="finance")
    async with signed_in(server, finance.access_token) as client:
        await client.start("b", BUDGET_ALERTS)
        await report(live_gql, secret, [event("tokens", 4)])  # below: nothing
        await report(live_gql, secret, [event("tokens", 11)])  # 15 >= 10.5: the crossing
        await report(live_gql, secret, [event("tokens", 1)])  # crossed already this period: nothing
        alert = (await client.data("b"))["budgetAlerts"]
    assert alert["budgetId"] == budget_id and alert["budget"] == {"id": budget_id, "name": "ten and a half"}
    assert (alert["name"], alert["target"], alert["hardLimit"]) == ("ten and a half", "METER", False)
    assert (Decimal(alert["threshold"]), Decimal(alert["value"])) == (Decimal("10.5"), Decimal(15))
    assert alert["period"] == period_of(clock.now()).key


async def test_invoice_events_follow_an_invoice_from_finalized_to_paid(
    server: LiveServer, live_gql: GraphQL, app: FastAPI
) -> None:
    with flow.frozen() as start:
        op = await flow.operator(live_gql, app)
        plan = await flow.create_plan(live_gql, op, prices=[flow.per_unit("tokens", "0.002")])
        owner, secret = await flow.customer(live_gql, plan["key"])
        _, reader = await api_key(live_gql, owner, scopes=["billing:read"], roles=["billing"])
        await report(live_gql, secret, [event("tokens", 1000)])
        period = period_of(start)
        async with signed_in(server, reader) as client:  # an API key: the clock may move by a month
            await client.start("i", INVOICE_EVENTS)
            clock.freeze(period.end + timedelta(hours=1))
            op = await flow.relog(live_gql, op)
            finalized = (
                await live_gql(
                    FINALIZE,
                    {"input": {"organizationId": owner.organization_id, "period": period.key}},
                    token=op.access_token,
                )
            )["finalizeInvoice"]
            assert finalized["userErrors"] == [], finalized
            invoice = finalized["invoice"]
            paid = (
                await live_gql(MARK_PAID, {"input": {"invoiceId": invoice["id"]}}, token=op.access_token)
            )["markInvoicePaid"]
            assert paid["userErrors"] == [], paid
            first = (await client.data("i"))["invoiceEvents"]
            second = (await client.data("i"))["invoiceEvents"]
    assert (first["kind"], first["status"], first["invoiceId"]) == ("FINALIZED", "OPEN", invoice["id"])
    assert first["number"] == invoice["number"] and first["total"] == invoice["total"]
    assert first["invoice"]["id"] == invoice["id"]
    assert [line["kind"] for line in first["invoice"]["lines"]] == ["PLATFORM_FEE", "USAGE"]
    assert (second["kind"], second["status"], second["invoiceId"]) == ("PAID", "PAID", invoice["id"])
    assert second["invoice"]["status"] == "PAID"


async def test_a_tenant_sees_nothing_of_another_tenants_billing(
    server: LiveServer, live_gql: GraphQL, app: FastAPI
) -> None:
    op = await flow.operator(live_gql, app)
    plan = await flow.create_plan(live_gql, op, prices=[flow.per_unit("tokens", "0.002")])
    owner_a, secret_a = await flow.customer(live_gql, plan["key"])
    owner_b, secret_b = await flow.customer(live_gql, plan["key"])
    await budget(live_gql, owner_a, "10")
    budget_b = await budget(live_gql, owner_b, "10")
    async with signed_in(server, owner_b.access_token) as client:
        await client.start("u", USAGE, {"meter": "tokens"})
        await client.start("b", BUDGET_ALERTS)
        assert (await client.data("u"))["usageUpdates"]["total"] == "0"
        # A's usage, A's budget crossing: committed (and released) before B's own below
        await report(live_gql, secret_a, [event("tokens", 15)])
        await report(live_gql, secret_b, [event("tokens", 20)])
        # the first thing B hears is its own: events arrive in commit order, so A's would have come first
        assert (await client.data("u"))["usageUpdates"]["total"] == "20"
        alert = (await client.data("b"))["budgetAlerts"]
        assert (alert["budgetId"], alert["value"]) == (budget_b, "20")
