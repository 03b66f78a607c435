"""Test support for the Stripe integration: stripe-mock's address, a freshly migrated database of its own,
builders of billing rows, Stripe's webhook signature scheme, and a loopback proxy in front of stripe-mock
that records every request and can be taken down to play an outage."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.auth.models import Organization
from domain.billing import lifecycle
from domain.billing.models import (
    BillingAccount,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    OutboxKind,
)
from domain.clock import clock
from server.migrate import upgrade
from tests.conftest import _drop_postgres_database, _postgres_database

# scripts/test starts one stripe-mock for the whole run (scripts/stripe-mock.sh) and exports this.
STRIPE_API_BASE = os.environ.get("ATOM_TEST_STRIPE_API_BASE", "")
STRIPE_API_KEY = "sk_test_atom0123456789abcdef"  # stripe-mock wants exactly sk_test_<something>

needs_stripe_mock = pytest.mark.skipif(
    not STRIPE_API_BASE,
    reason='ATOM_TEST_STRIPE_API_BASE is unset: run scripts/test, or `eval "$(scripts/stripe-mock.sh start)"`',
)


# ---- a database of its own: the outbox worker sends every due row, so other tests' rows must not be there


@contextlib.contextmanager
def isolated_database(tmp_path: Path) -> Iterator[str]:
    """A new, migrated database on the suite's backend (a new SQLite file, or a new PostgreSQL database)."""
    base = os.environ.get("ATOM_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url, name = _postgres_database(base)
        try:
            upgrade(url)
            yield url
        finally:
            _drop_postgres_database(base, name)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'stripe.db'}"
        upgrade(url)
        yield url


# ---- builders


@dataclass
class Billed:
    organization: Organization
    account: BillingAccount
    invoice: Invoice
    lines: list[InvoiceLine]


def _slug() -> str:
    return f"org-{uuid.uuid4().hex[:10]}"


async def add_account(
    session: AsyncSession, *, currency: str = "EUR", billing_email: str | None = "billing@example.com"
) -> tuple[Organization, BillingAccount]:
    """An organization with a billing account, and the CUSTOMER outbox row its creation writes."""
    now = clock.now()
    organization = Organization(slug=_slug(), name="Acme Workflows", created_at=now)
    session.add(organization)
    await session.flush()
    account = BillingAccount(
        organization_id=organization.id,
        currency=currency,
        billing_email=billing_email,
        invoice_prefix=uuid.uuid4().hex[:8].upper(),
        last_invoice_sequence=0,
        created_at=now,
    )
    session.add(account)
    await session.flush()
    lifecycle.enqueue(session, OutboxKind.CUSTOMER, organization.id, account.id)
    await session.flush()
    return organization, account


async def add_invoice(
    session: AsyncSession,
    organization: Organization,
    account: BillingAccount,
    *,
    amounts: tuple[int, ...] = (4900, 1234, 15),
) -> Invoice:
    """A finalized (OPEN) invoice with one line per amount, and the INVOICE outbox row finalizing writes."""
    now = clock.now()
    account.last_invoice_sequence += 1
    sequence = account.last_invoice_sequence
    period_start = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=31 * sequence)
    period_end = period_start + timedelta(days=31)
    total = sum(amounts)
    invoice = Invoice(
        organization_id=organization.id,
        number=f"{account.invoice_prefix}-{sequence:04d}",
        sequence=sequence,
        status=InvoiceStatus.OPEN,
        currency=account.currency,
        period_start=period_start,
        period_end=period_end,
        subtotal=total,
        total=total,
        finalized_at=now,
        finalized_by="test",
    )
    session.add(invoice)
    await session.flush()
    for position, amount in enumerate(amounts):
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                organization_id=organization.id,
                position=position,
                kind=LineKind.PLATFORM_FEE if position == 0 else LineKind.USAGE,
                description=f"Line {position + 1}",
                period_start=period_start,
                period_end=period_end,
                quantity="1",
                amount=amount,
            )
        )
    lifecycle.enqueue(session, OutboxKind.INVOICE, organization.id, invoice.id)
    await session.flush()
    return invoice


# ---- webhooks: Stripe's signature scheme, computed here rather than with the library under test


def sign(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`."""
    signed_at = int(clock.now().timestamp()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{signed_at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={signed_at},v1={digest}"


def invoice_event(
    event_type: str,
    *,
    invoice_id: uuid.UUID | None = None,
    stripe_invoice_id: str = "in_atomtest",
    event_id: str | None = None,
    paid_at: int | None = None,
) -> bytes:
    """A Stripe event about an invoice, as Stripe sends it (the parts we read, and a few we do not)."""
    metadata = {"atom_invoice_id": str(invoice_id)} if invoice_id else {}
    event: dict[str, Any] = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {
            "object": {
                "id": stripe_invoice_id,
                "object": "invoice",
                "status": {"invoice.paid": "paid", "invoice.voided": "void"}.get(event_type, "open"),
                "metadata": metadata,
                "status_transitions": {"paid_at": paid_at},
            }
        },
    }
    return json.dumps(event).encode()


# ---- a loopback proxy in front of stripe-mock

Outage = Literal["refuse", "unavailable"]
_HOP_BY_HOP = {"host", "connection", "content-length", "transfer-encoding", "accept-encoding", "keep-alive"}


@dataclass
class Exchange:
    method: str
    path: str
    idempotency_key: str | None
    body: bytes
    status: int | None = None  # None: no answer

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def form(self) -> dict[str, str]:
        return dict(httpx.QueryParams(self.body.decode()))


@dataclass
class _Trigger:
    path_prefix: str
    successes: int
    outage: Outage
    seen: int = 0


@dataclass
class StripeProxy:
    """Forwards HTTP requests on 127.0.0.1 to stripe-mock and records each one (method, path,
    Idempotency-Key, body, status). Taken down, it refuses connections (`refuse`: nothing listens) or
    answers 503 (`unavailable`, recorded)."""

    upstream: str
    exchanges: list[Exchange] = field(default_factory=list)
    port: int = 0
    outage: Outage | None = None
    _server: asyncio.Server | None = None
    _client: httpx.AsyncClient | None = None
    _trigger: _Trigger | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._client = httpx.AsyncClient(trust_env=False, timeout=10)
        await self._listen()

    async def close(self) -> None:
        await self._stop_listening()
        if self._client is not None:
            await self._client.aclose()

    async def go_down(self, outage: Outage) -> None:
        self.outage = outage
        if outage == "refuse":
            await self._stop_listening()

    async def come_back(self) -> None:
        self.outage = None
        self._trigger = None
        if self._server is None:
            await self._listen()

    def go_down_after(self, path_prefix: str, *, successes: int, outage: Outage) -> None:
        """Go down right after the `successes`-th successful request to a path starting with `path_prefix`."""
        self._trigger = _Trigger(path_prefix, successes, outage)

    def requests(self, where: Callable[[Exchange], bool] = lambda _: True) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if where(exchange)]

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, target, _version = head[0].split(" ", 2)
            headers: dict[str, str] = {}
            for line in head[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            exchange = Exchange(method, target.split("?", 1)[0], headers.get("idempotency-key"), body)
            self.exchanges.append(exchange)
            if self.outage is not None:
                status, reply_headers = 503, {"content-type": "application/json"}
                content = json.dumps({"error": {"type": "api_error", "message": "Stripe is down (test)."}})
                reply = content.encode()
            else:
                assert self._client is not None
                forwarded = {name: value for name, value in headers.items() if name not in _HOP_BY_HOP}
                response = await self._client.request(
                    method, self.upstream.rstrip("/") + target, headers=forwarded, content=body
                )
                status, reply = response.status_code, response.content
                reply_headers = {
                    name: value
                    for name, value in response.headers.items()
                    if name.lower() not in _HOP_BY_HOP and name.lower() != "content-encoding"
                }
            exchange.status = status
            lines = [f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}"]
            lines += [f"{name}: {value}" for name, value in reply_headers.items()]
            lines += [f"content-length: {len(reply)}", "connection: close", "", ""]
            writer.write("\r\n".join(lines).encode("latin-1") + reply)
            await writer.drain()
            await self._after(exchange)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _after(self, exchange: Exchange) -> None:
        trigger = self._trigger
        if trigger is None or not exchange.succeeded or not exchange.path.startswith(trigger.path_prefix):
            return
        trigger.seen += 1
        if trigger.seen >= trigger.successes:
            self._trigger = None
            await self.go_down(trigger.outage)
