"""The outbox worker against stripe-mock: customers and invoices reach Stripe once, with deterministic
idempotency keys, and an outage in the middle of a push is retried later without a second object."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import stripe
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.billing import lifecycle
from domain.billing.models import BillingAccount, Invoice, InvoiceLine, OutboxKind, OutboxMessage
from domain.billing.stripe_sync import StripeGateway, deliver_due, describe_error
from domain.clock import clock
from domain.db import make_engine, make_sessionmaker, unit_of_work
from server.app import create_app
from tests.billing.stripe_support import (
    STRIPE_API_BASE,
    STRIPE_API_KEY,
    Billed,
    Exchange,
    Outage,
    StripeProxy,
    add_account,
    add_invoice,
    isolated_database,
    needs_stripe_mock,
)
from tests.conftest import make_settings

Sessionmaker = async_sessionmaker[AsyncSession]
# stripe's HTTPXClient hands httpx the form body as `data=<bytes>`; the warning is the library's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture(scope="module")
def sync_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with isolated_database(tmp_path_factory.mktemp("stripe-sync")) as url:
        yield url


@pytest.fixture(scope="module")
async def sessions(sync_database_url: str) -> AsyncIterator[Sessionmaker]:
    engine = make_engine(sync_database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(autouse=True)
async def _empty_outbox_and_frozen_clock(sessions: Sessionmaker) -> AsyncIterator[None]:
    async with unit_of_work(sessions) as session:
        await session.execute(delete(OutboxMessage))
    clock.freeze(datetime.now(UTC))
    yield
    clock.unfreeze()


@pytest.fixture
async def proxy() -> AsyncIterator[StripeProxy]:
    stripe_proxy = StripeProxy(STRIPE_API_BASE)
    await stripe_proxy.start()
    yield stripe_proxy
    await stripe_proxy.close()


def gateway_for(proxy: StripeProxy) -> StripeGateway:
    # No retries inside the library: the outbox's own backoff is what this tests.
    return StripeGateway(STRIPE_API_KEY, api_base=proxy.url, max_network_retries=0, timeout_seconds=5)


@pytest.fixture
async def gateway(proxy: StripeProxy) -> AsyncIterator[StripeGateway]:
    stripe_gateway = gateway_for(proxy)
    yield stripe_gateway
    await stripe_gateway.aclose()


async def billed(sessions: Sessionmaker, *, amounts: tuple[int, ...] = (4900, 1234, 15)) -> Billed:
    async with unit_of_work(sessions) as session:
        organization, account = await add_account(session)
        invoice = await add_invoice(session, organization, account, amounts=amounts)
        lines = await invoice_lines(session, invoice.id)
    return Billed(organization, account, invoice, lines)


async def invoice_lines(session: AsyncSession, invoice_id: uuid.UUID) -> list[InvoiceLine]:
    rows = await session.scalars(
        select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.position)
    )
    return list(rows)


async def outbox(sessions: Sessionmaker) -> list[OutboxMessage]:
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
        return list(rows)


async def refreshed(sessions: Sessionmaker, billing: Billed) -> tuple[BillingAccount, Invoice]:
    async with sessions() as session:
        account = await session.get(BillingAccount, billing.account.id)
        invoice = await session.get(Invoice, billing.invoice.id)
        assert account is not None and invoice is not None
        return account, invoice


def keyed(exchanges: list[Exchange]) -> list[tuple[str, str, str | None, int | None]]:
    return [(item.method, item.path, item.idempotency_key, item.status) for item in exchanges]


@needs_stripe_mock
async def test_customer_and_invoice_reach_stripe(
    sessions: Sessionmaker, proxy: StripeProxy, gateway: StripeGateway
) -> None:
    billing = await billed(sessions)
    invoice, account, lines = billing.invoice, billing.account, billing.lines

    report = await deliver_due(sessions, gateway)

    assert (report.sent, report.failed) == (2, 0)
    assert all(message.sent_at == clock.now() and message.attempts == 0 for message in await outbox(sessions))
    account, stored = await refreshed(sessions, billing)
    assert account.stripe_customer_id is not None and account.stripe_customer_id.startswith("cus_")
    assert stored.stripe_invoice_id is not None and stored.stripe_invoice_id.startswith("in_")
    stripe_invoice_id = stored.stripe_invoice_id
    assert keyed(proxy.exchanges) == [
        ("POST", "/v1/customers", f"atom-customer-{account.id}", 200),
        ("POST", "/v1/invoices", f"atom-invoice-{invoice.id}-create", 200),
        *[("POST", "/v1/invoiceitems", f"atom-line-{line.id}", 200) for line in lines],
        ("POST", f"/v1/invoices/{stripe_invoice_id}/finalize", f"atom-invoice-{invoice.id}-finalize", 200),
    ]
    customer, draft, *items, _finalize = (exchange.form for exchange in proxy.exchanges)
    assert customer == {
        "name": "Acme Workflows",
        "email": "billing@example.com",
        "metadata[atom_organization_id]": str(billing.organization.id),
        "metadata[atom_billing_account_id]": str(account.id),
        "metadata[atom_organization_slug]": billing.organization.slug,
    }
    assert draft == {
        "customer": account.stripe_customer_id,
        "currency": "eur",
        "collection_method": "send_invoice",
        "days_until_due": "30",
        "auto_advance": "false",
        "pending_invoice_items_behavior": "exclude",
        "metadata[atom_invoice_id]": str(invoice.id),
        "metadata[atom_invoice_number]": invoice.number,
        "metadata[atom_organization_id]": str(billing.organization.id),
    }
    assert [(item["invoice"], item["amount"], item["currency"], item["description"]) for item in items] == [
        (stripe_invoice_id, str(line.amount), "eur", line.description) for line in lines
    ]
    assert [item["metadata[atom_line_id]"] for item in items] == [str(line.id) for line in lines]

    again = await deliver_due(sessions, gateway)
    assert (again.sent, again.failed) == (0, 0)
    assert len(proxy.exchanges) == 3 + len(lines)


@needs_stripe_mock
@pytest.mark.parametrize("outage", ["unavailable", "refuse"])
async def test_stripe_goes_away_in_the_middle_of_a_push(
    sessions: Sessionmaker, proxy: StripeProxy, gateway: StripeGateway, outage: Outage
) -> None:
    billing = await billed(sessions)
    invoice, lines = billing.invoice, billing.lines
    # The customer and the draft get through, then Stripe goes away after the first invoice item.
    proxy.go_down_after("/v1/invoiceitems", successes=1, outage=outage)

    first = await deliver_due(sessions, gateway)

    assert (first.sent, first.failed) == (1, 1)
    customer_message, invoice_message = await outbox(sessions)
    assert customer_message.kind is OutboxKind.CUSTOMER and customer_message.sent_at is not None
    assert invoice_message.kind is OutboxKind.INVOICE and invoice_message.sent_at is None
    assert invoice_message.attempts == 1
    assert invoice_message.last_error is not None
    expected_error = "APIError 503" if outage == "unavailable" else "APIConnectionError"
    assert invoice_message.last_error.startswith(expected_error), invoice_message.last_error
    assert STRIPE_API_KEY not in invoice_message.last_error
    # 2^1 seconds, plus at most a quarter of jitter
    assert clock.now() + timedelta(seconds=2) <= invoice_message.next_attempt_at
    assert invoice_message.next_attempt_at <= clock.now() + timedelta(seconds=2.5)
    account, stored = await refreshed(sessions, billing)
    assert account.stripe_customer_id is not None  # kept: the customer was made before the outage
    assert stored.stripe_invoice_id is None

    # Not due yet: nothing is tried before the backoff has passed.
    early = await deliver_due(sessions, gateway)
    assert (early.sent, early.failed) == (0, 0)
    before_recovery = len(proxy.exchanges)

    await proxy.come_back()
    clock.advance(timedelta(seconds=3))
    second = await deliver_due(sessions, gateway)

    assert (second.sent, second.failed) == (1, 0)
    assert all(message.sent_at is not None for message in await outbox(sessions))
    account, stored = await refreshed(sessions, billing)
    assert stored.stripe_invoice_id is not None
    failed_item = [("POST", "/v1/invoiceitems", f"atom-line-{lines[1].id}", 503)]
    assert keyed(proxy.exchanges) == [
        ("POST", "/v1/customers", f"atom-customer-{account.id}", 200),
        ("POST", "/v1/invoices", f"atom-invoice-{invoice.id}-create", 200),
        ("POST", "/v1/invoiceitems", f"atom-line-{lines[0].id}", 200),
        *(failed_item if outage == "unavailable" else []),  # a refused connection reaches no one
        # after the outage: the rest, no request that had succeeded is sent again
        ("POST", "/v1/invoiceitems", f"atom-line-{lines[1].id}", 200),
        ("POST", "/v1/invoiceitems", f"atom-line-{lines[2].id}", 200),
        (
            "POST",
            f"/v1/invoices/{stored.stripe_invoice_id}/finalize",
            f"atom-invoice-{invoice.id}-finalize",
            200,
        ),
    ]
    assert all(exchange.idempotency_key for exchange in proxy.exchanges)
    successes = Counter(exchange.idempotency_key for exchange in proxy.exchanges if exchange.succeeded)
    assert set(successes.values()) == {1}
    retried = {
        exchange.idempotency_key for exchange in proxy.exchanges[:before_recovery] if not exchange.succeeded
    }
    assert retried <= set(successes)  # every failed request was sent again with its own key

    third = await deliver_due(sessions, gateway)
    assert (third.sent, third.failed) == (0, 0)
    assert len(proxy.exchanges) == before_recovery + 3


@needs_stripe_mock
async def test_two_workers_at_once_send_each_message_once(sessions: Sessionmaker, proxy: StripeProxy) -> None:
    for _ in range(3):
        await billed(sessions, amounts=(100, 200))
    # two replicas: their own gateways (no shared memory of what succeeded), one database
    gateways = [gateway_for(proxy), gateway_for(proxy)]
    try:
        reports = await asyncio.gather(*(deliver_due(sessions, gateway, limit=4) for gateway in gateways))
        rest = await deliver_due(sessions, gateways[0])
    finally:
        for gateway in gateways:
            await gateway.aclose()

    assert sum(report.sent for report in [*reports, rest]) == 6
    assert sum(report.failed for report in [*reports, rest]) == 0
    assert all(message.sent_at is not None for message in await outbox(sessions))
    keys = Counter(exchange.idempotency_key for exchange in proxy.exchanges)
    assert len(keys) == 3 * (1 + 1 + 2 + 1)  # per invoice: customer, draft, two items, finalize
    assert set(keys.values()) == {1}


@needs_stripe_mock
async def test_voiding_an_invoice_voids_stripes_copy(
    sessions: Sessionmaker, proxy: StripeProxy, gateway: StripeGateway
) -> None:
    billing = await billed(sessions)
    assert (await deliver_due(sessions, gateway)).sent == 2
    async with unit_of_work(sessions) as session:
        invoice = await session.get(Invoice, billing.invoice.id)
        assert invoice is not None and invoice.stripe_invoice_id is not None
        assert await lifecycle.void(session, invoice, actor="test", reason="issued twice")
        stripe_invoice_id = invoice.stripe_invoice_id

    report = await deliver_due(sessions, gateway)

    assert (report.sent, report.failed) == (1, 0)
    assert keyed(proxy.exchanges[-1:]) == [
        ("POST", f"/v1/invoices/{stripe_invoice_id}/void", f"atom-invoice-{billing.invoice.id}-void", 200)
    ]


@needs_stripe_mock
async def test_a_void_waits_until_the_invoice_is_in_stripe(
    sessions: Sessionmaker, proxy: StripeProxy, gateway: StripeGateway
) -> None:
    billing = await billed(sessions)
    async with unit_of_work(sessions) as session:
        invoice = await session.get(Invoice, billing.invoice.id)
        assert invoice is not None
        await lifecycle.void(session, invoice, actor="test", reason="issued twice")
    await proxy.go_down("unavailable")

    first = await deliver_due(sessions, gateway)

    assert (first.sent, first.failed) == (0, 3)
    void_message = (await outbox(sessions))[-1]
    assert void_message.kind is OutboxKind.INVOICE_VOID
    assert void_message.last_error == "DeliveryDeferred: the invoice has not reached Stripe yet"

    await proxy.come_back()
    clock.advance(timedelta(seconds=3))
    second = await deliver_due(sessions, gateway)

    assert (second.sent, second.failed) == (3, 0)
    _, stored = await refreshed(sessions, billing)
    assert [exchange.path for exchange in proxy.exchanges if exchange.succeeded][-2:] == [
        f"/v1/invoices/{stored.stripe_invoice_id}/finalize",
        f"/v1/invoices/{stored.stripe_invoice_id}/void",
    ]


@needs_stripe_mock
async def test_the_app_sends_the_outbox_by_itself(
    sync_database_url: str,
    sessions: Sessionmaker,
    proxy: StripeProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    settings = make_settings(
        sync_database_url,
        tmp_path_factory.mktemp("stripe-app"),
        stripe_api_key=STRIPE_API_KEY,
        stripe_api_base=proxy.url,
        stripe_sync_interval_seconds=0.05,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        billing = await billed(sessions)
        for _ in range(100):
            if all(message.sent_at is not None for message in await outbox(sessions)):
                break
            await asyncio.sleep(0.05)
    _, stored = await refreshed(sessions, billing)
    assert stored.stripe_invoice_id is not None
    assert all(message.sent_at is not None for message in await outbox(sessions))


def test_errors_are_recorded_without_keys() -> None:
    error = stripe.AuthenticationError(
        "Invalid API Key provided: sk_live_abcdef0123456789", http_status=401, code="api_key_invalid"
    )
    assert (
        describe_error(error)
        == "AuthenticationError 401 api_key_invalid: Invalid API Key provided: [redacted]"
    )
    assert len(describe_error(RuntimeError("x" * 5000))) == 500
