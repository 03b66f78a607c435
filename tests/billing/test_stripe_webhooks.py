"""`POST /webhooks/stripe` on a live app: signed with Stripe's scheme, applied once, refused with a code."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.billing import lifecycle
from domain.billing.models import Invoice, InvoiceStatus, OutboxKind, OutboxMessage, StripeWebhookEvent
from domain.db import unit_of_work
from domain.events.models import DomainEvent
from server.app import create_app
from tests.billing.stripe_support import add_account, add_invoice, invoice_event, isolated_database, sign
from tests.conftest import make_settings

SECRET = "whsec_atomtest0123456789abcdefghijklmnop"
TOLERANCE = 300


@pytest.fixture(scope="module")
def webhook_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with isolated_database(tmp_path_factory.mktemp("stripe-webhooks")) as url:
        yield url


@pytest.fixture(scope="module")
async def webhook_app(
    webhook_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        webhook_database_url,
        tmp_path_factory.mktemp("webhook-home"),
        stripe_webhook_secret=SECRET,
        stripe_webhook_tolerance_seconds=TOLERANCE,
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def stripe_http(webhook_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=webhook_app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def sessions(webhook_app: FastAPI) -> async_sessionmaker[AsyncSession]:
    return webhook_app.state.sessionmaker  # type: ignore[no-any-return]


@pytest.fixture
async def invoice(sessions: async_sessionmaker[AsyncSession]) -> Invoice:
    async with unit_of_work(sessions) as session:
        organization, account = await add_account(session)
        return await add_invoice(session, organization, account)


async def deliver(
    http: httpx.AsyncClient, payload: bytes, *, secret: str = SECRET, timestamp: int | None = None
) -> httpx.Response:
    return await http.post(
        "/webhooks/stripe",
        content=payload,
        headers={
            "Stripe-Signature": sign(payload, secret, timestamp=timestamp),
            "Content-Type": "application/json",
        },
    )


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]


async def stored(sessions: async_sessionmaker[AsyncSession], invoice_id: uuid.UUID) -> Invoice:
    async with sessions() as session:
        found = await session.get(Invoice, invoice_id)
        assert found is not None
        return found


async def count(sessions: async_sessionmaker[AsyncSession], model: Any, *where: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def domain_events(sessions: async_sessionmaker[AsyncSession], invoice_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(DomainEvent.type).where(DomainEvent.subject_id == invoice_id).order_by(DomainEvent.id)
        )
        return list(rows)


async def test_paid_is_applied_once(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    paid_at = int(time.time()) - 60
    payload = invoice_event(
        "invoice.paid",
        invoice_id=invoice.id,
        event_id="evt_paid_once_" + uuid.uuid4().hex[:8],
        paid_at=paid_at,
    )

    first = await deliver(stripe_http, payload)
    replay = await deliver(stripe_http, payload)  # Stripe delivers again: same event, new signature

    assert (first.status_code, first.json()) == (200, {"status": "applied"})
    assert (replay.status_code, replay.json()) == (200, {"status": "duplicate"})
    paid = await stored(sessions, invoice.id)
    assert paid.status is InvoiceStatus.PAID
    assert paid.paid_at is not None and int(paid.paid_at.timestamp()) == paid_at
    assert await domain_events(sessions, invoice.id) == ["invoice.paid"]
    event_id = json.loads(payload)["id"]
    assert await count(sessions, StripeWebhookEvent, StripeWebhookEvent.stripe_event_id == event_id) == 1

    # Another event saying the same thing is applied, and changes nothing.
    again = await deliver(stripe_http, invoice_event("invoice.paid", invoice_id=invoice.id))
    assert (again.status_code, again.json()) == (200, {"status": "applied"})
    assert await domain_events(sessions, invoice.id) == ["invoice.paid"]


async def test_one_event_delivered_twice_at_once_is_applied_once(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    payload = invoice_event("invoice.paid", invoice_id=invoice.id)

    responses = await asyncio.gather(deliver(stripe_http, payload), deliver(stripe_http, payload))

    assert sorted(response.json()["status"] for response in responses) == ["applied", "duplicate"]
    assert await domain_events(sessions, invoice.id) == ["invoice.paid"]


async def test_payment_failed_is_recorded(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    response = await deliver(stripe_http, invoice_event("invoice.payment_failed", invoice_id=invoice.id))

    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    failed = await stored(sessions, invoice.id)
    assert failed.status is InvoiceStatus.OPEN
    assert failed.payment_failed_at is not None
    assert await domain_events(sessions, invoice.id) == ["invoice.payment_failed"]


async def test_voided_in_stripe_voids_it_here_without_echo(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    response = await deliver(stripe_http, invoice_event("invoice.voided", invoice_id=invoice.id))

    assert (response.status_code, response.json()) == (200, {"status": "applied"})
    voided = await stored(sessions, invoice.id)
    assert voided.status is InvoiceStatus.VOID and voided.voided_at is not None
    assert await domain_events(sessions, invoice.id) == ["invoice.voided"]
    # Stripe told us: nothing is queued to tell Stripe back.
    assert (
        await count(
            sessions,
            OutboxMessage,
            OutboxMessage.subject_id == invoice.id,
            OutboxMessage.kind == OutboxKind.INVOICE_VOID,
        )
        == 0
    )


async def test_the_invoice_is_found_by_its_stripe_id_too(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    stripe_invoice_id = f"in_{uuid.uuid4().hex[:14]}"
    payload = invoice_event("invoice.paid", stripe_invoice_id=stripe_invoice_id)  # no metadata

    unknown = await deliver(stripe_http, payload)
    refused(unknown, 404, "UNKNOWN_INVOICE")
    event_id = json.loads(payload)["id"]
    assert await count(sessions, StripeWebhookEvent, StripeWebhookEvent.stripe_event_id == event_id) == 0

    async with unit_of_work(sessions) as session:
        found = await session.get(Invoice, invoice.id)
        assert found is not None
        found.stripe_invoice_id = stripe_invoice_id
    retried = await deliver(stripe_http, payload)  # Stripe's retry, once the invoice is known here

    assert (retried.status_code, retried.json()) == (200, {"status": "applied"})
    assert (await stored(sessions, invoice.id)).status is InvoiceStatus.PAID


async def test_an_unknown_invoice_is_not_found(stripe_http: httpx.AsyncClient) -> None:
    response = await deliver(stripe_http, invoice_event("invoice.paid", invoice_id=uuid.uuid4()))

    refused(response, 404, "UNKNOWN_INVOICE")


async def test_paying_a_void_invoice_is_a_conflict(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    async with unit_of_work(sessions) as session:
        found = await session.get(Invoice, invoice.id)
        assert found is not None
        await lifecycle.void(session, found, actor="test", reason="issued twice", sync_to_stripe=False)
    payload = invoice_event("invoice.paid", invoice_id=invoice.id)

    response = await deliver(stripe_http, payload)

    refused(response, 409, "INVOICE_VOID")
    unchanged = await stored(sessions, invoice.id)
    assert unchanged.status is InvoiceStatus.VOID and unchanged.paid_at is None
    assert await domain_events(sessions, invoice.id) == ["invoice.voided"]
    event_id = json.loads(payload)["id"]
    assert await count(sessions, StripeWebhookEvent, StripeWebhookEvent.stripe_event_id == event_id) == 0


async def test_voiding_a_paid_invoice_is_a_conflict(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    assert (
        await deliver(stripe_http, invoice_event("invoice.paid", invoice_id=invoice.id))
    ).status_code == 200

    response = await deliver(stripe_http, invoice_event("invoice.voided", invoice_id=invoice.id))

    refused(response, 409, "INVOICE_PAID")
    assert (await stored(sessions, invoice.id)).status is InvoiceStatus.PAID


async def test_other_events_are_acknowledged_and_ignored(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    response = await deliver(stripe_http, invoice_event("invoice.finalized", invoice_id=invoice.id))

    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert (await stored(sessions, invoice.id)).status is InvoiceStatus.OPEN


async def test_a_bad_signature_is_refused(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    payload = invoice_event("invoice.paid", invoice_id=invoice.id)

    wrong_secret = await deliver(stripe_http, payload, secret="whsec_someoneelse")
    signature = sign(payload, SECRET)
    tampered = await stripe_http.post(
        "/webhooks/stripe",
        content=payload.replace(b'"livemode": false', b'"livemode": true'),
        headers={"Stripe-Signature": signature},
    )
    garbage = await stripe_http.post(
        "/webhooks/stripe", content=payload, headers={"Stripe-Signature": "garbage"}
    )
    no_v1 = await stripe_http.post(
        "/webhooks/stripe", content=payload, headers={"Stripe-Signature": signature.replace("v1=", "v0=")}
    )

    for response in (wrong_secret, tampered, garbage, no_v1):
        refused(response, 400, "SIGNATURE_INVALID")
    assert (await stored(sessions, invoice.id)).status is InvoiceStatus.OPEN


async def test_an_old_signature_is_refused(
    stripe_http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], invoice: Invoice
) -> None:
    now = int(time.time())
    old = await deliver(
        stripe_http, invoice_event("invoice.paid", invoice_id=invoice.id), timestamp=now - TOLERANCE - 5
    )
    refused(old, 400, "SIGNATURE_EXPIRED")
    assert (await stored(sessions, invoice.id)).status is InvoiceStatus.OPEN

    recent = await deliver(
        stripe_http, invoice_event("invoice.paid", invoice_id=invoice.id), timestamp=now - TOLERANCE + 30
    )
    assert recent.status_code == 200, recent.text


async def test_a_missing_signature_is_refused(stripe_http: httpx.AsyncClient, invoice: Invoice) -> None:
    payload = invoice_event("invoice.paid", invoice_id=invoice.id)

    missing = await stripe_http.post("/webhooks/stripe", content=payload)
    empty = await stripe_http.post("/webhooks/stripe", content=payload, headers={"Stripe-Signature": ""})

    refused(missing, 400, "SIGNATURE_MISSING")
    refused(empty, 400, "SIGNATURE_MISSING")


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe not utf-8",
        b"[1, 2]",
        b'{"type": "invoice.paid"}',
        json.dumps({"id": "evt_" + "x" * 100, "type": "invoice.paid", "data": {"object": {}}}).encode(),
        json.dumps({"id": "evt_noobject", "type": "invoice.paid", "data": {"object": "in_123"}}).encode(),
        json.dumps({"id": "evt_nodata", "type": "invoice.paid"}).encode(),
    ],
    ids=["not-json", "not-utf8", "array", "no-id", "long-id", "object-not-a-dict", "no-data"],
)
async def test_an_unreadable_payload_is_refused(stripe_http: httpx.AsyncClient, payload: bytes) -> None:
    response = await deliver(stripe_http, payload)

    refused(response, 400, "INVALID_PAYLOAD")


async def test_without_a_secret_webhooks_are_refused(client: httpx.AsyncClient) -> None:
    payload = invoice_event("invoice.paid", invoice_id=uuid.uuid4())

    response = await client.post(
        "/webhooks/stripe", content=payload, headers={"Stripe-Signature": sign(payload, SECRET)}
    )

    refused(response, 503, "STRIPE_NOT_CONFIGURED")
