"""The issue's end-to-end journey, on SQLite and on PostgreSQL: an organization on a plan installs
priced packages, its API key reports usage (with retries and duplicates), the upcoming invoice is
right, the invoice is finalized, pushed to Stripe (stripe-mock), a signed webhook marks it paid, and
revenue analytics add up to the invoices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from domain.billing.models import Invoice, InvoiceLine, InvoiceStatus, LineKind, OutboxMessage
from domain.billing.periods import period_of
from domain.clock import clock
from resolvers.ids import from_global_id
from server.app import create_app
from tests.billing import flow
from tests.billing.flow import FINALIZE, INVOICES, UPCOMING, event, report
from tests.billing.stripe_support import (
    STRIPE_API_BASE,
    STRIPE_API_KEY,
    invoice_event,
    isolated_database,
    sign,
)
from tests.conftest import make_settings
from tests.helpers import GraphQL, unique

REVENUE = """
query {
  revenueByMonth { month amount { amount currency } publisherShare { amount } count }
  revenueByPackage { packageId amount { amount currency } publisherShare { amount } package { fullName } }
  revenueByPublisher { publisherId amount { amount currency } publisherShare { amount } }
}
"""
SUMMARY = """
query($meter: String!, $period: String, $org: ID) {
  usageSummary(meter: $meter, period: $period, granularity: DAY, organizationId: $org) { total buckets { start value } }
}
"""


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def prorated(amount: int, start: Any, end: Any, period: Any) -> int:
    return half_up(Decimal(amount) * int((end - start).total_seconds()) / period.seconds)


WEBHOOK_SECRET = "whsec_atom_e2e_0123456789"


@pytest.fixture(scope="module")
def e2e_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own, so the platform's revenue is exactly this journey's invoices."""
    with isolated_database(tmp_path_factory.mktemp("e2e")) as url:
        yield url


@pytest.fixture
async def app(e2e_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FastAPI]:
    """The server as production runs it with Stripe on: its own outbox worker, pointed at stripe-mock."""
    if not STRIPE_API_BASE:
        pytest.skip(
            'ATOM_TEST_STRIPE_API_BASE is unset: run scripts/test, or `eval "$(scripts/stripe-mock.sh start)"`'
        )
    settings = make_settings(
        e2e_database_url,
        tmp_path_factory.mktemp("e2e-home"),
        stripe_api_key=STRIPE_API_KEY,
        stripe_api_base=STRIPE_API_BASE,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_sync_interval_seconds=0.05,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_from_usage_to_a_paid_invoice(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    with flow.frozen() as start:
        period = period_of(start)
        if period.end - start < timedelta(hours=6):  # leave room inside the period for the journey
            clock.freeze(period.end + timedelta(days=1))
            period = period_of(clock.now())
        op = await flow.operator(gql, app)
        plan = await flow.create_plan(
            gql,
            op,
            monthly_fee=4900,
            prices=[
                flow.per_unit("tokens", "0.0015", included="10000"),
                {
                    "meter": "job_minutes",
                    "model": "GRADUATED",
                    "tiers": [
                        {"upTo": "100", "unitAmount": "0"},
                        {"upTo": None, "unitAmount": "2", "flatAmount": "50"},
                    ],
                },
            ],
        )
        # two publishers: a per-run and a monthly package
        runner_pub, runner_id, runner_name = await flow.priced_package(
            gql, app, tmp_path, model="PER_RUN", amount=25
        )
        monthly_pub, monthly_id, _ = await flow.priced_package(
            gql, app, tmp_path, model="MONTHLY", amount=1500
        )

        owner, secret = await flow.customer(gql, plan["key"])
        subscribed_at = clock.now()
        assert (await flow.install(gql, owner, runner_id))["userErrors"] == []
        assert (await flow.install(gql, owner, monthly_id))["userErrors"] == []
        installed_at = clock.now()

        # usage with retries and duplicates: batch B is sent twice, and one event of A again inside B
        tag = unique("e2e")
        batch_a = [event("tokens", 250_000, f"{tag}-a1"), event("job_minutes", "130.5", f"{tag}-a2")]
        batch_b = [event("package_runs", 1, f"{tag}-b{i}", package=runner_name) for i in range(4)] + [
            event("tokens", 1000, f"{tag}-b9"),
            batch_a[0],
        ]
        assert await report(gql, secret, batch_a) == {"accepted": 2, "duplicates": 0, "userErrors": []}
        assert await report(gql, secret, batch_b) == {"accepted": 5, "duplicates": 1, "userErrors": []}
        assert await report(gql, secret, batch_b) == {"accepted": 0, "duplicates": 6, "userErrors": []}

        fee = prorated(4900, subscribed_at, period.end, period)
        tokens = half_up((Decimal(251_000) - 10_000) * Decimal("0.0015"))  # 361.5 -> 362
        minutes = 50 + half_up((Decimal("130.5") - 100) * 2)  # 61
        runs = 4 * 25
        monthly = prorated(1500, installed_at, period.end, period)
        expected = [fee, minutes, tokens, runs, monthly]
        upcoming = (await gql(UPCOMING, token=owner.access_token))["upcomingInvoice"]
        assert [int(line["amount"]["amount"]) for line in upcoming["lines"]] == expected
        assert [line["kind"] for line in upcoming["lines"]] == [
            "PLATFORM_FEE",
            "USAGE",
            "USAGE",
            "PACKAGE",
            "PACKAGE",
        ]
        assert int(upcoming["total"]["amount"]) == sum(expected)
        shares = [int(line["publisherShare"]["amount"]) for line in upcoming["lines"]]
        assert shares == [
            0,
            0,
            0,
            half_up(Decimal(runs) * Decimal("0.8")),
            half_up(Decimal(monthly) * Decimal("0.8")),
        ]

        # the period ends; the platform finalizes it
        clock.freeze(period.end + timedelta(hours=2))
        op, owner = await flow.relog(gql, op), await flow.relog(gql, owner)
        final = (
            await gql(
                FINALIZE,
                {"input": {"organizationId": owner.organization_id, "period": period.key}},
                token=op.access_token,
            )
        )["finalizeInvoice"]
        assert final["userErrors"] == []
        invoice = final["invoice"]
        assert [int(line["amount"]["amount"]) for line in invoice["lines"]] == expected
        assert int(invoice["total"]["amount"]) == sum(expected)

        # usage charts agree with the invoice lines
        minutes_total = (
            await gql(SUMMARY, {"meter": "job_minutes", "period": period.key}, token=owner.access_token)
        )["usageSummary"]
        assert Decimal(minutes_total["total"]) == Decimal("130.5")
        assert sum(Decimal(b["value"]) for b in minutes_total["buckets"]) == Decimal("130.5")

        # revenue: the operator's view adds up to the invoices, each publisher sees its own share
        revenue = await gql(REVENUE, token=op.access_token)
        listed = (await gql(INVOICES, {"org": owner.organization_id}, token=op.access_token))["invoices"][
            "nodes"
        ]
        month = [
            r
            for r in revenue["revenueByMonth"]
            if r["month"] == period.key and r["amount"]["currency"] == "EUR"
        ]
        # other tests' invoices of this month are in the platform totals too; ours is part of them
        assert month and int(month[0]["amount"]["amount"]) >= sum(int(n["total"]["amount"]) for n in listed)
        runner_view = await gql(REVENUE, token=(await flow.relog(gql, runner_pub.account)).access_token)
        assert [
            (r["package"]["fullName"], int(r["amount"]["amount"]), int(r["publisherShare"]["amount"]))
            for r in runner_view["revenueByPackage"]
        ] == [(runner_name, runs, shares[3])]
        assert [int(r["amount"]["amount"]) for r in runner_view["revenueByMonth"]] == [runs]
        monthly_view = await gql(REVENUE, token=(await flow.relog(gql, monthly_pub.account)).access_token)
        assert [int(r["publisherShare"]["amount"]) for r in monthly_view["revenueByPublisher"]] == [shares[4]]

        # the server's worker pushes the invoice to Stripe (stripe-mock) by itself
        for _ in range(200):
            synced = (await gql(INVOICES, {"org": owner.organization_id}, token=op.access_token))["invoices"][
                "nodes"
            ]
            if synced[0]["stripeInvoiceId"]:
                break
            await asyncio.sleep(0.05)
        assert synced[0]["stripeInvoiceId"], "the outbox worker did not push the invoice to Stripe"
        async with app.state.sessionmaker() as session:
            pending = await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
            )
        assert pending == 0

        # Stripe says it is paid: a signed webhook, applied once
        invoice_pk = from_global_id(invoice["id"])
        assert invoice_pk is not None
        payload = invoice_event(
            "invoice.paid", invoice_id=invoice_pk[1], stripe_invoice_id=synced[0]["stripeInvoiceId"]
        )
        for expected_status in ("applied", "duplicate"):
            response = await gql.http.post(
                "/webhooks/stripe",
                content=payload,
                headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)},
            )
            assert response.status_code == 200 and response.json()["status"] == expected_status, response.text
        forged = await gql.http.post(
            "/webhooks/stripe", content=payload, headers={"Stripe-Signature": sign(payload, "whsec_wrong")}
        )
        assert forged.status_code == 400 and forged.json()["error"]["code"] == "SIGNATURE_INVALID"
        paid = (await gql(INVOICES, {"org": owner.organization_id, "status": "PAID"}, token=op.access_token))[
            "invoices"
        ]
        assert [n["number"] for n in paid["nodes"]] == [invoice["number"]]

        # revenue: exactly the invoices of this database
        revenue = await gql(REVENUE, token=op.access_token)
        assert [(r["month"], int(r["amount"]["amount"])) for r in revenue["revenueByMonth"]] == [
            (period.key, sum(expected))
        ]
        await revenue_equals_invoices(app, revenue)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def revenue_equals_invoices(app: FastAPI, revenue: dict[str, Any]) -> None:
    """Every figure of the platform's revenue adds up exactly to the stored, non-void invoices."""
    async with app.state.sessionmaker() as session:
        counted = Invoice.status != InvoiceStatus.VOID
        totals = dict(
            (
                await session.execute(
                    select(Invoice.currency, func.sum(Invoice.total))
                    .where(counted)
                    .group_by(Invoice.currency)
                )
            ).all()
        )
        package_lines = dict(
            (
                await session.execute(
                    select(Invoice.currency, func.sum(InvoiceLine.amount))
                    .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
                    .where(counted, InvoiceLine.kind == LineKind.PACKAGE)
                    .group_by(Invoice.currency)
                )
            ).all()
        )
    by_month: dict[str, int] = {}
    for row in revenue["revenueByMonth"]:
        by_month[row["amount"]["currency"]] = by_month.get(row["amount"]["currency"], 0) + int(
            row["amount"]["amount"]
        )
    assert by_month == {c: int(v) for c, v in totals.items()}
    for key in ("revenueByPackage", "revenueByPublisher"):
        summed: dict[str, int] = {}
        for row in revenue[key]:
            currency = row["amount"].get("currency", "EUR")
            summed[currency] = summed.get(currency, 0) + int(row["amount"]["amount"])
        assert summed == {c: int(v) for c, v in package_lines.items() if v}, key
