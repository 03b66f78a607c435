"""Invoices: the upcoming invoice, proration on plan changes, finalizing with gapless numbers, the
lifecycle after it, and every refusal named in the issue."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select

from domain.billing.models import InvoiceLine
from domain.billing.periods import period_of
from domain.clock import clock
from domain.events.models import DomainEvent
from tests.billing import flow
from tests.billing.flow import FINALIZE, INVOICES, MARK_PAID, UPCOMING, VOID, event, report
from tests.helpers import GraphQL, member_with_role, sign_up


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fee(monthly: int, seconds: float, period_seconds: float) -> int:
    return half_up(Decimal(monthly) * Decimal(int(seconds)) / Decimal(int(period_seconds)))


def amounts(lines: list[dict[str, Any]]) -> list[int]:
    return [int(line["amount"]["amount"]) for line in lines]


async def test_upcoming_invoice_finalize_and_lifecycle(gql: GraphQL, app: FastAPI) -> None:
    with flow.frozen() as start:
        op = await flow.operator(gql, app)
        plan = await flow.create_plan(
            gql,
            op,
            monthly_fee=2900,
            prices=[flow.per_unit("tokens", "0.002", included="1000"), flow.per_unit("tool_calls", "0.5")],
        )
        owner, secret = await flow.customer(gql, plan["key"])
        subscribed_at = clock.now()
        assert (
            await report(
                gql, secret, [event("tokens", 999_000), event("tokens", 1000), event("tool_calls", 3)]
            )
        )["accepted"] == 3
        upcoming = (await gql(UPCOMING, token=owner.access_token))["upcomingInvoice"]
        period = period_of(start)
        expected_fee = fee(2900, (period.end - subscribed_at).total_seconds(), period.seconds)
        assert upcoming["period"] == period.key and upcoming["currency"] == "EUR"
        assert [line["kind"] for line in upcoming["lines"]] == ["PLATFORM_FEE", "USAGE", "USAGE"]
        assert amounts(upcoming["lines"]) == [
            expected_fee,
            1998,
            2,
        ]  # tokens (10^6 - 1000) x 0.002, calls 1.5 -> 2
        assert int(upcoming["total"]["amount"]) == sum(amounts(upcoming["lines"]))

        # nobody but the operator finalizes, and not before the period has ended
        owner_try = (
            await gql(
                FINALIZE,
                {"input": {"organizationId": owner.organization_id, "period": period.key}},
                token=owner.access_token,
            )
        )["finalizeInvoice"]
        assert [e["code"] for e in owner_try["userErrors"]] == ["FORBIDDEN"]
        early = (
            await gql(
                FINALIZE,
                {"input": {"organizationId": owner.organization_id, "period": period.key}},
                token=op.access_token,
            )
        )["finalizeInvoice"]
        assert [(e["code"], e["field"]) for e in early["userErrors"]] == [("INVALID_PERIOD", "period")]
        for bad in ("2026-13", "last month", "1999-01"):
            refused = (
                await gql(
                    FINALIZE,
                    {"input": {"organizationId": owner.organization_id, "period": bad}},
                    token=op.access_token,
                )
            )["finalizeInvoice"]
            assert [e["code"] for e in refused["userErrors"]] == ["INVALID_PERIOD"], bad

        clock.freeze(period.end + timedelta(hours=1))
        op = await flow.relog(gql, op)
        owner = await flow.relog(gql, owner)
        # a late event of the ended period is still counted until the invoice is made
        assert (await report(gql, secret, [event("tool_calls", 1, at=period.end - timedelta(minutes=1))]))[
            "accepted"
        ] == 1
        final = (
            await gql(
                FINALIZE,
                {"input": {"organizationId": owner.organization_id, "period": period.key}},
                token=op.access_token,
            )
        )["finalizeInvoice"]
        assert final["userErrors"] == []
        invoice = final["invoice"]
        assert invoice["status"] == "OPEN" and invoice["number"].endswith("-0001")
        assert amounts(invoice["lines"]) == [expected_fee, 1998, 2]  # 4 calls x 0.5
        assert (
            int(invoice["total"]["amount"])
            == sum(amounts(invoice["lines"]))
            == int(invoice["subtotal"]["amount"])
        )

        twice = (
            await gql(
                FINALIZE,
                {"input": {"organizationId": owner.organization_id, "period": period.key}},
                token=op.access_token,
            )
        )["finalizeInvoice"]
        assert [(e["code"], e["field"]) for e in twice["userErrors"]] == [("ALREADY_FINALIZED", "period")]
        closed = await report(gql, secret, [event("tokens", 1, at=period.end - timedelta(minutes=1))])
        assert [(e["code"], e["field"]) for e in closed["userErrors"]] == [
            ("PERIOD_CLOSED", "events[0].timestamp")
        ]

        # the organization's finance people read it; another tenant does not
        finance = await member_with_role(gql, owner, "billing", prefix="finance")
        listed = (await gql(INVOICES, token=finance.access_token))["invoices"]
        assert [n["number"] for n in listed["nodes"]] == [invoice["number"]]
        stranger = await sign_up(gql, prefix="stranger")
        errors = await gql.errors(INVOICES, {"org": owner.organization_id}, token=stranger.access_token)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
        node = await gql(
            "query($id: ID!) { node(id: $id) { id } }", {"id": invoice["id"]}, token=stranger.access_token
        )
        assert node["node"] is None

        # void, then paying it is refused; the next period gets the next number
        voided = (
            await gql(VOID, {"input": {"invoiceId": invoice["id"], "reason": "test"}}, token=op.access_token)
        )["voidInvoice"]
        assert voided["userErrors"] == [] and voided["invoice"]["status"] == "VOID"
        pay = (await gql(MARK_PAID, {"input": {"invoiceId": invoice["id"]}}, token=op.access_token))[
            "markInvoicePaid"
        ]
        assert [e["code"] for e in pay["userErrors"]] == ["INVOICE_VOID"]
        next_period = period.next()
        clock.freeze(next_period.end + timedelta(minutes=5))
        op = await flow.relog(gql, op)
        second = (
            await gql(
                FINALIZE,
                {"input": {"organizationId": owner.organization_id, "period": next_period.key}},
                token=op.access_token,
            )
        )["finalizeInvoice"]
        assert second["userErrors"] == [] and second["invoice"]["number"].endswith("-0002")
        assert amounts(second["invoice"]["lines"]) == [2900, 0, 0]  # a whole month of fee, no usage
        paid = (
            await gql(MARK_PAID, {"input": {"invoiceId": second["invoice"]["id"]}}, token=op.access_token)
        )["markInvoicePaid"]
        assert paid["invoice"]["status"] == "PAID"
        void_paid = (
            await gql(VOID, {"input": {"invoiceId": second["invoice"]["id"]}}, token=op.access_token)
        )["voidInvoice"]
        assert [e["code"] for e in void_paid["userErrors"]] == ["INVOICE_PAID"]


async def test_changing_plans_prorates_fees_and_rates_usage_under_each_plan(
    gql: GraphQL, app: FastAPI
) -> None:
    with flow.frozen() as start:
        period = period_of(start)
        if period.end - start < timedelta(days=2):  # keep both plans inside this period
            clock.freeze(period.end + timedelta(days=1))
            period = period_of(clock.now())
        op = await flow.operator(gql, app)
        small = await flow.create_plan(gql, op, monthly_fee=1000, prices=[flow.per_unit("tokens", "1")])
        large = await flow.create_plan(gql, op, monthly_fee=5000, prices=[flow.per_unit("tokens", "0.5")])
        owner, secret = await flow.customer(gql, small["key"])
        first_start = clock.now()
        await report(gql, secret, [event("tokens", 10)])
        clock.advance(timedelta(hours=20))
        changed_at = clock.now()
        owner = await flow.relog(gql, owner)
        assert (await flow.subscribe(gql, owner, large["key"]))["userErrors"] == []
        again = await flow.subscribe(gql, owner, large["key"])
        assert [e["code"] for e in again["userErrors"]] == ["ALREADY_SUBSCRIBED"]
        await report(gql, secret, [event("tokens", 10)])
        upcoming = (await gql(UPCOMING, token=owner.access_token))["upcomingInvoice"]
        assert amounts(upcoming["lines"]) == [
            fee(1000, (changed_at - first_start).total_seconds(), period.seconds),
            10,
            fee(5000, (period.end - changed_at).total_seconds(), period.seconds),
            5,
        ]
        cancel = (await gql(flow.CANCEL, token=owner.access_token))["cancelSubscription"]
        assert cancel["subscription"]["status"] == "ENDED"
        after = await report(gql, secret, [event("tokens", 1)])
        assert [e["code"] for e in after["userErrors"]] == ["NO_SUBSCRIPTION"]


async def test_currency_mismatch_and_plan_errors(gql: GraphQL, app: FastAPI) -> None:
    op = await flow.operator(gql, app)
    eur = await flow.create_plan(gql, op, currency="EUR")
    usd = await flow.create_plan(gql, op, currency="USD")
    owner, _ = await flow.customer(gql, eur["key"])
    mismatch = await flow.subscribe(gql, owner, usd["key"])
    assert [(e["code"], e["field"]) for e in mismatch["userErrors"]] == [("CURRENCY_MISMATCH", "plan")]
    unknown = await flow.subscribe(gql, owner, "no-such-plan")
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]

    bad_plans: list[tuple[dict[str, Any], str, str]] = [
        ({"currency": "euro"}, "INVALID_CURRENCY", "currency"),
        ({"monthlyFee": -1}, "INVALID_PRICE", "monthlyFee"),
        ({"key": "Bad Key"}, "INVALID_PLAN", "key"),
        ({"prices": [flow.per_unit("nope", "1")]}, "UNKNOWN_METER", "prices[0].meter"),
        (
            {"prices": [flow.per_unit("tokens", "1"), flow.per_unit("tokens", "2")]},
            "INVALID_PLAN",
            "prices[1].meter",
        ),
        ({"prices": [{"meter": "tokens", "model": "PER_UNIT"}]}, "INVALID_PRICE", "prices[0].unitAmount"),
        ({"prices": [flow.per_unit("tokens", "-1")]}, "INVALID_PRICE", "prices[0].unitAmount"),
        (
            {
                "prices": [
                    {
                        "meter": "tokens",
                        "model": "GRADUATED",
                        "tiers": [{"upTo": "10", "unitAmount": "1"}, {"upTo": "5", "unitAmount": "1"}],
                    }
                ]
            },
            "INVALID_PRICE",
            "prices[0].tiers[1].upTo",
        ),
    ]
    for change, code, field in bad_plans:
        variables = {
            "key": flow.unique("plan"),
            "name": "X",
            "currency": "EUR",
            "monthlyFee": 0,
            "prices": [],
            **change,
        }
        payload = (await gql(flow.CREATE_PLAN, {"input": variables}, token=op.access_token))["createPlan"]
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)], (change, payload)
    tenant = (
        await gql(
            flow.CREATE_PLAN,
            {
                "input": {
                    "key": flow.unique("plan"),
                    "name": "X",
                    "currency": "EUR",
                    "monthlyFee": 0,
                    "prices": [],
                }
            },
            token=owner.access_token,
        )
    )["createPlan"]
    assert [e["code"] for e in tenant["userErrors"]] == ["FORBIDDEN"]


async def test_budgets_alert_once_and_hard_limits_refuse(gql: GraphQL, app: FastAPI) -> None:
    op = await flow.operator(gql, app)
    plan = await flow.create_plan(gql, op)
    owner, secret = await flow.customer(gql, plan["key"])
    soft = (
        await gql(
            flow.CREATE_BUDGET,
            {"input": {"name": "tokens warn", "meter": "tokens", "threshold": "100"}},
            token=owner.access_token,
        )
    )["createBudget"]
    assert soft["userErrors"] == [] and soft["budget"]["target"] == "METER"
    hard = (
        await gql(
            flow.CREATE_BUDGET,
            {"input": {"name": "calls cap", "meter": "tool_calls", "threshold": "10", "hardLimit": True}},
            token=owner.access_token,
        )
    )["createBudget"]
    assert hard["userErrors"] == []
    for bad, code, field in (
        ({"name": "x", "meter": "nope", "threshold": "1"}, "UNKNOWN_METER", "meter"),
        ({"name": "x", "threshold": "0"}, "INVALID_BUDGET", "threshold"),
        ({"name": "x", "threshold": "1.5"}, "INVALID_BUDGET", "threshold"),
        # found by the fuzzer: past a 64-bit column (and BigInt's 2^53 - 1), it was a 500
        ({"name": "x", "threshold": "16936542092929443840"}, "INVALID_BUDGET", "threshold"),
        ({"name": "x", "threshold": str(2**53)}, "INVALID_BUDGET", "threshold"),
    ):
        refused = (await gql(flow.CREATE_BUDGET, {"input": bad}, token=owner.access_token))["createBudget"]
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [(code, field)]

    assert (await report(gql, secret, [event("tokens", 60)]))["accepted"] == 1
    assert (await report(gql, secret, [event("tokens", 60)]))["accepted"] == 1  # crosses 100
    assert (await report(gql, secret, [event("tokens", 60)]))["accepted"] == 1  # no second alert
    assert (await report(gql, secret, [event("tool_calls", 10)]))["accepted"] == 1  # reaches the cap exactly
    over = await report(gql, secret, [event("tokens", 1), event("tool_calls", 1)])
    assert [(e["code"], e["field"]) for e in over["userErrors"]] == [("QUOTA_EXCEEDED", "events")]
    async with app.state.sessionmaker() as session:
        from domain.billing.models import UsageEvent
        from resolvers.ids import from_global_id

        org = from_global_id(owner.organization_id or "")
        assert org is not None
        alerts = await session.scalar(
            select(func.count())
            .select_from(DomainEvent)
            .where(DomainEvent.organization_id == org[1], DomainEvent.type == "budget.threshold_crossed")
        )
        assert alerts == 2  # the token warning once, the call cap once
        count = await session.scalar(
            select(func.count()).select_from(UsageEvent).where(UsageEvent.organization_id == org[1])
        )
        assert count == 4  # the refused batch left nothing

    # the alerts stay readable on their budgets (newest first), in the budgets' own units
    alerts_query = (
        "{ budgets { name alerts { name target threshold value period hardLimit budgetId occurredAt } } }"
    )
    budgets = {b["name"]: b["alerts"] for b in (await gql(alerts_query, token=owner.access_token))["budgets"]}
    period = budgets["tokens warn"][0]["period"]
    assert budgets["tokens warn"] == [
        {
            "name": "tokens warn",
            "target": "METER",
            "threshold": "100",
            "value": "120",
            "period": period,
            "hardLimit": False,
            "budgetId": soft["budget"]["id"],
            "occurredAt": budgets["tokens warn"][0]["occurredAt"],
        }
    ]
    assert [(a["threshold"], a["value"], a["hardLimit"]) for a in budgets["calls cap"]] == [
        ("10", "10", True)
    ]
    # another organization sees neither the budgets nor, through a budget's id, their alerts
    stranger = await sign_up(gql)
    assert (await gql(alerts_query, token=stranger.access_token))["budgets"] == []
    hidden = await gql(
        "query($id: ID!) { node(id: $id) { ... on Budget { alerts { value } } } }",
        {"id": soft["budget"]["id"]},
        token=stranger.access_token,
    )
    assert hidden["node"] is None


async def test_invoice_lines_are_rounded_one_by_one(gql: GraphQL, app: FastAPI) -> None:
    """Three lines of 0.5 each: each rounds to 1, the total is 3 (not round(1.5) = 2)."""
    with flow.frozen() as start:
        op = await flow.operator(gql, app)
        plan = await flow.create_plan(
            gql,
            op,
            monthly_fee=0,
            prices=[
                flow.per_unit("tokens", "0.5"),
                flow.per_unit("tool_calls", "0.5"),
                flow.per_unit("egress_gb", "0.5"),
            ],
        )
        owner, secret = await flow.customer(gql, plan["key"])
        await report(gql, secret, [event("tokens", 1), event("tool_calls", 1), event("egress_gb", 1)])
        clock.freeze(period_of(start).end + timedelta(minutes=1))
        op = await flow.relog(gql, op)
        invoice = (
            await gql(
                FINALIZE,
                {"input": {"organizationId": owner.organization_id, "period": period_of(start).key}},
                token=op.access_token,
            )
        )["finalizeInvoice"]["invoice"]
        assert amounts(invoice["lines"]) == [1, 1, 1]
        assert int(invoice["total"]["amount"]) == 3
        async with app.state.sessionmaker() as session:
            from resolvers.ids import from_global_id

            decoded = from_global_id(invoice["id"])
            assert decoded is not None
            stored = await session.scalar(
                select(func.sum(InvoiceLine.amount)).where(InvoiceLine.invoice_id == decoded[1])
            )
            assert stored == 3


async def test_priced_packages_must_share_the_organizations_currency(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    op = await flow.operator(gql, app)
    eur = await flow.create_plan(gql, op, currency="EUR")
    _, usd_package, _ = await flow.priced_package(
        gql, app, tmp_path, model="MONTHLY", amount=900, currency="USD"
    )
    owner, _ = await flow.customer(gql, eur["key"])
    refused = await flow.install(gql, owner, usd_package)
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("CURRENCY_MISMATCH", "packageId")]
    assert refused["install"] is None  # nothing half-written: no install, no charge
    # the other way round: a USD package installed before any plan keeps the EUR plan out
    newcomer = await sign_up(gql, prefix="early")
    assert (await flow.install(gql, newcomer, usd_package))["userErrors"] == []
    mismatch = await flow.subscribe(gql, newcomer, eur["key"])
    assert [(e["code"], e["field"]) for e in mismatch["userErrors"]] == [("CURRENCY_MISMATCH", "plan")]


async def test_one_tenant_cannot_read_or_touch_anothers_billing(gql: GraphQL, app: FastAPI) -> None:
    op = await flow.operator(gql, app)
    plan = await flow.create_plan(gql, op)
    owner, _ = await flow.customer(gql, plan["key"])
    other, _ = await flow.customer(gql, plan["key"])
    budget = (
        await gql(
            flow.CREATE_BUDGET, {"input": {"name": "mine", "threshold": "100"}}, token=owner.access_token
        )
    )["createBudget"]["budget"]
    errors = await gql.errors(UPCOMING, {"org": owner.organization_id}, token=other.access_token)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    summary = 'query($org: ID) { usageSummary(meter: "tokens", organizationId: $org) { total } }'
    errors = await gql.errors(summary, {"org": owner.organization_id}, token=other.access_token)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    delete = "mutation($input: DeleteBudgetInput!) { deleteBudget(input: $input) { budget { id } userErrors { code field } } }"
    refused = (await gql(delete, {"input": {"budgetId": budget["id"]}}, token=other.access_token))[
        "deleteBudget"
    ]
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("NOT_FOUND", "budgetId")]
    assert (
        await gql("query($id: ID!) { node(id: $id) { id } }", {"id": budget["id"]}, token=other.access_token)
    )["node"] is None
    # the operator may look at any organization's upcoming invoice
    seen = (await gql(UPCOMING, {"org": owner.organization_id}, token=op.access_token))["upcomingInvoice"]
    assert seen["currency"] == "EUR"
    revenue = await gql.errors("{ revenueByMonth { month } }", token=other.access_token)
    assert revenue[0]["extensions"]["code"] == "FORBIDDEN"
