"""Stripe, both ways: the outbox worker mirrors customers and finalized invoices into Stripe (it is the
only sender), and `apply_webhook` takes Stripe's word back (paid, payment failed, voided), once per event.

Every mutating request to Stripe carries an idempotency key derived from our own ids, so a request
repeated after a crash, a timeout or an outage returns the object made the first time instead of a
second one. Finalizing an invoice never waits on Stripe: it only writes an outbox row.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import re
import secrets
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NoReturn, Protocol

import stripe
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.auth.models import Organization
from domain.billing import lifecycle
from domain.billing.models import (
    BillingAccount,
    Invoice,
    InvoiceLine,
    OutboxKind,
    OutboxMessage,
    StripeWebhookEvent,
)
from domain.clock import clock
from domain.db import unit_of_work
from domain.errors import DomainError

log = logging.getLogger("atom.billing.stripe")

STRIPE_ACTOR = "stripe"
# A claimed message is not due again for this long: time enough for its requests, and the delay before
# another worker picks it up when this one died half-way (the idempotency keys make that retry safe).
CLAIM_LEASE = timedelta(minutes=10)
MAX_BACKOFF_SECONDS = 3600
_ERROR_LENGTH = 500
_SECRET_PATTERN = re.compile(r"\b(?:sk|rk|pk|whsec)_[A-Za-z0-9_]+")


# ---- the gateway


class _StripeObject(Protocol):
    @property
    def id(self) -> str: ...


class StripeGateway:
    """The Stripe API through the official library's async client.

    It also remembers, for the life of the process, the requests that already succeeded (by idempotency
    key), so a delivery retried after an outage resumes where it stopped instead of repeating them. After
    a restart they are repeated with the same keys and Stripe answers with the objects made the first
    time (Stripe keeps keys for at least 24 hours).
    """

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str = "",
        timeout_seconds: float = 30.0,
        max_network_retries: int = 2,
        remember: int = 10_000,
    ) -> None:
        self._http = stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            http_client=self._http,
            max_network_retries=max_network_retries,
        )
        self._completed: OrderedDict[str, str] = OrderedDict()
        self._remember = remember

    async def aclose(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _once(self, key: str, send: Callable[[stripe.RequestOptions], Awaitable[_StripeObject]]) -> str:
        """Send one mutating request under idempotency key `key`, unless it already succeeded here."""
        done = self._completed.get(key)
        if done is not None:
            self._completed.move_to_end(key)
            return done
        made = await send({"idempotency_key": key})
        self._completed[key] = made.id
        while len(self._completed) > self._remember:
            self._completed.popitem(last=False)
        return made.id

    async def ensure_customer(self, account: BillingAccount, organization: Organization) -> str:
        """The account's Stripe customer id: the one it has, or a customer made for it (once)."""
        if account.stripe_customer_id:
            return account.stripe_customer_id
        metadata = {
            "atom_organization_id": str(organization.id),
            "atom_billing_account_id": str(account.id),
            "atom_organization_slug": organization.slug,
        }

        async def send(options: stripe.RequestOptions) -> _StripeObject:
            if account.billing_email:
                return await self._client.v1.customers.create_async(
                    {"name": organization.name, "email": account.billing_email, "metadata": metadata},
                    options,
                )
            return await self._client.v1.customers.create_async(
                {"name": organization.name, "metadata": metadata}, options
            )

        return await self._once(f"atom-customer-{account.id}", send)

    async def push_invoice(self, invoice: Invoice, lines: Sequence[InvoiceLine], customer_id: str) -> str:
        """Make `invoice` in Stripe as a draft with one item per line, then finalize it; its Stripe id.

        Stripe does not collect it by itself (`send_invoice`, no auto-advance): our invoice is the
        record, Stripe's copy is how it is paid.
        """
        currency = invoice.currency.lower()

        async def create(options: stripe.RequestOptions) -> _StripeObject:
            return await self._client.v1.invoices.create_async(
                {
                    "customer": customer_id,
                    "currency": currency,
                    "collection_method": "send_invoice",
                    "days_until_due": 30,
                    "auto_advance": False,
                    "pending_invoice_items_behavior": "exclude",
                    "metadata": {
                        "atom_invoice_id": str(invoice.id),
                        "atom_invoice_number": invoice.number,
                        "atom_organization_id": str(invoice.organization_id),
                    },
                },
                options,
            )

        stripe_invoice_id = await self._once(f"atom-invoice-{invoice.id}-create", create)
        for line in sorted(lines, key=lambda line: line.position):

            async def add(options: stripe.RequestOptions, line: InvoiceLine = line) -> _StripeObject:
                return await self._client.v1.invoice_items.create_async(
                    {
                        "customer": customer_id,
                        "invoice": stripe_invoice_id,
                        "amount": line.amount,
                        "currency": currency,
                        "description": line.description,
                        "metadata": {"atom_line_id": str(line.id), "atom_invoice_id": str(invoice.id)},
                    },
                    options,
                )

            await self._once(f"atom-line-{line.id}", add)

        async def finalize(options: stripe.RequestOptions) -> _StripeObject:
            return await self._client.v1.invoices.finalize_invoice_async(
                stripe_invoice_id, {"auto_advance": False}, options
            )

        return await self._once(f"atom-invoice-{invoice.id}-finalize", finalize)

    async def void_invoice(self, stripe_invoice_id: str, *, invoice_id: uuid.UUID) -> None:
        """Void the Stripe copy of our invoice `invoice_id`."""

        async def send(options: stripe.RequestOptions) -> _StripeObject:
            return await self._client.v1.invoices.void_invoice_async(stripe_invoice_id, None, options)

        await self._once(f"atom-invoice-{invoice_id}-void", send)


# ---- the outbox worker


@dataclass
class DeliveryReport:
    """What one `deliver_due` round did: messages sent, and messages that failed (and will be retried)."""

    sent: int = 0
    failed: int = 0


class DeliveryDeferred(Exception):
    """The message cannot be delivered yet (it needs another one delivered first, or a billing account);
    it is retried like a failure."""


def backoff(attempts: int) -> timedelta:
    """2^attempts seconds, at most an hour, plus up to a quarter more of jitter so retries spread out."""
    base = float(min(2 ** min(attempts, 32), MAX_BACKOFF_SECONDS))
    return timedelta(seconds=base + base * secrets.randbelow(1001) / 4000)


def describe_error(error: BaseException) -> str:
    """A short account of a failure for `last_error`: the kind and Stripe's message, with no key in it."""
    if isinstance(error, stripe.StripeError):
        parts = [type(error).__name__]
        if error.http_status:
            parts.append(str(error.http_status))
        if error.code:
            parts.append(str(error.code))
        text = f"{' '.join(parts)}: {error.user_message or str(error)}"
    else:
        text = f"{type(error).__name__}: {error}"
    text = _SECRET_PATTERN.sub("[redacted]", " ".join(text.split()))
    return text[:_ERROR_LENGTH]


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: StripeGateway, *, limit: int = 50
) -> DeliveryReport:
    """Send the outbox messages that are due, oldest first, each in its own transactions.

    Messages are claimed first (on PostgreSQL with FOR UPDATE SKIP LOCKED, so replicas never take the
    same one) by moving them out of reach for `CLAIM_LEASE`; no transaction stays open while Stripe is
    asked. A message that fails is retried later with exponential backoff.
    """
    report = DeliveryReport()
    for message_id in await _claim_due(sessionmaker, limit):
        outcome = await _deliver(sessionmaker, gateway, message_id)
        if outcome == "sent":
            report.sent += 1
        elif outcome == "failed":
            report.failed += 1
    return report


async def sync_forever(
    sessionmaker: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    *,
    interval_seconds: float,
    limit: int = 50,
) -> NoReturn:
    """Run `deliver_due` every `interval_seconds` (at once again while a round fills its batch).
    Errors are logged and the next round tries again: a replica must not die of Stripe or the database."""
    while True:
        report = DeliveryReport()
        try:
            report = await deliver_due(sessionmaker, gateway, limit=limit)
            if report.sent or report.failed:
                log.info("stripe sync: %d sent, %d failed", report.sent, report.failed)
        except Exception:
            log.exception("stripe sync round failed")
        if report.sent + report.failed < limit:
            await asyncio.sleep(interval_seconds)


async def _claim_due(sessionmaker: async_sessionmaker[AsyncSession], limit: int) -> list[uuid.UUID]:
    async with unit_of_work(sessionmaker) as session:
        now = clock.now()
        due = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # SQLite has no FOR UPDATE: BEGIN IMMEDIATE serializes
        )
        claimed = list(due)
        for message in claimed:
            message.next_attempt_at = now + CLAIM_LEASE
        return [message.id for message in claimed]


async def _deliver(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: StripeGateway, message_id: uuid.UUID
) -> Literal["sent", "failed", "gone"]:
    kind: OutboxKind | None = None
    try:
        async with unit_of_work(sessionmaker) as session:
            message = await session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:  # deleted, or sent by a worker whose lease ran out
            return "gone"
        kind = message.kind
        await _HANDLERS[kind](sessionmaker, gateway, message)
        return "sent"
    except Exception as error:
        if isinstance(error, stripe.StripeError | DeliveryDeferred):
            log.warning("stripe sync: %s message %s failed: %s", kind, message_id, describe_error(error))
        else:
            log.exception("stripe sync: %s message %s failed", kind, message_id)
        await _record_failure(sessionmaker, message_id, error)
        return "failed"


async def _record_failure(
    sessionmaker: async_sessionmaker[AsyncSession], message_id: uuid.UUID, error: BaseException
) -> None:
    async with unit_of_work(sessionmaker) as session:
        message = await session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:
            return
        message.attempts += 1
        message.last_error = describe_error(error)
        message.next_attempt_at = clock.now() + backoff(message.attempts)


async def _mark_sent(session: AsyncSession, message_id: uuid.UUID) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
        .values(sent_at=clock.now())
    )


async def _account_of(
    session: AsyncSession, organization_id: uuid.UUID
) -> tuple[BillingAccount, Organization]:
    account = await session.scalar(
        select(BillingAccount).where(BillingAccount.organization_id == organization_id)
    )
    organization = await session.get(Organization, organization_id)
    if account is None or organization is None:
        raise DeliveryDeferred(f"organization {organization_id} has no billing account")
    return account, organization


async def _customer_id(
    sessionmaker: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    account: BillingAccount,
    organization: Organization,
) -> str:
    """The account's Stripe customer, made and stored (in its own transaction, so it is kept even when
    what follows fails) when it has none yet."""
    if account.stripe_customer_id:
        return account.stripe_customer_id
    customer_id = await gateway.ensure_customer(account, organization)
    async with unit_of_work(sessionmaker) as session:
        await session.execute(
            update(BillingAccount)
            .where(BillingAccount.id == account.id, BillingAccount.stripe_customer_id.is_(None))
            .values(stripe_customer_id=customer_id)
        )
    return customer_id


async def _sync_customer(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: StripeGateway, message: OutboxMessage
) -> None:
    async with unit_of_work(sessionmaker) as session:
        account = await session.get(BillingAccount, message.subject_id)
        organization = await session.get(Organization, message.organization_id)
    if account is not None and organization is not None:
        await _customer_id(sessionmaker, gateway, account, organization)
    async with unit_of_work(sessionmaker) as session:
        await _mark_sent(session, message.id)


async def _push_invoice(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: StripeGateway, message: OutboxMessage
) -> None:
    async with unit_of_work(sessionmaker) as session:
        invoice = await session.get(Invoice, message.subject_id)
        if invoice is None or invoice.stripe_invoice_id is not None:  # gone, or in Stripe already
            await _mark_sent(session, message.id)
            return
        lines = list(
            await session.scalars(
                select(InvoiceLine)
                .where(InvoiceLine.invoice_id == invoice.id)
                .order_by(InvoiceLine.position, InvoiceLine.id)
            )
        )
        account, organization = await _account_of(session, invoice.organization_id)
    # A void invoice is pushed all the same: its INVOICE_VOID message follows and voids Stripe's copy.
    customer_id = await _customer_id(sessionmaker, gateway, account, organization)
    stripe_invoice_id = await gateway.push_invoice(invoice, lines, customer_id)
    async with unit_of_work(sessionmaker) as session:
        await session.execute(
            update(Invoice)
            .where(Invoice.id == invoice.id, Invoice.stripe_invoice_id.is_(None))
            .values(stripe_invoice_id=stripe_invoice_id)
        )
        await _mark_sent(session, message.id)


async def _void_invoice(
    sessionmaker: async_sessionmaker[AsyncSession], gateway: StripeGateway, message: OutboxMessage
) -> None:
    async with unit_of_work(sessionmaker) as session:
        invoice = await session.get(Invoice, message.subject_id)
        push_pending = await session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.kind == OutboxKind.INVOICE,
                OutboxMessage.subject_id == message.subject_id,
                OutboxMessage.sent_at.is_(None),
            )
            .limit(1)
        )
    if invoice is not None and invoice.stripe_invoice_id is None and push_pending is not None:
        raise DeliveryDeferred("the invoice has not reached Stripe yet")
    if invoice is not None and invoice.stripe_invoice_id is not None:
        await gateway.void_invoice(invoice.stripe_invoice_id, invoice_id=invoice.id)
    # else: it never reached Stripe and never will; there is nothing to void there.
    async with unit_of_work(sessionmaker) as session:
        await _mark_sent(session, message.id)


_Handler = Callable[[async_sessionmaker[AsyncSession], StripeGateway, OutboxMessage], Awaitable[None]]
_HANDLERS: dict[OutboxKind, _Handler] = {
    OutboxKind.CUSTOMER: _sync_customer,
    OutboxKind.INVOICE: _push_invoice,
    OutboxKind.INVOICE_VOID: _void_invoice,
}


# ---- webhooks


class WebhookErrorCode(enum.StrEnum):
    STRIPE_NOT_CONFIGURED = "STRIPE_NOT_CONFIGURED"
    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    SIGNATURE_EXPIRED = "SIGNATURE_EXPIRED"
    INVALID_PAYLOAD = "INVALID_PAYLOAD"
    UNKNOWN_INVOICE = "UNKNOWN_INVOICE"


class WebhookRefused(DomainError):
    """A webhook delivery that is not applied: not authentic, not readable, or about no invoice of ours."""

    def __init__(self, message: str, *, code: WebhookErrorCode) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class WebhookResult:
    status: Literal["applied", "duplicate", "ignored"]
    event_id: str
    event_type: str
    invoice_id: uuid.UUID | None = None
    changed: bool = False  # applied, and the invoice changed (False: it was in that state already)


_Apply = Callable[[AsyncSession, Invoice, dict[str, Any]], Awaitable[bool]]


async def _paid(session: AsyncSession, invoice: Invoice, stripe_invoice: dict[str, Any]) -> bool:
    transitions = stripe_invoice.get("status_transitions")
    paid_at = _unix_time(transitions.get("paid_at") if isinstance(transitions, dict) else None)
    return await lifecycle.mark_paid(session, invoice, actor=STRIPE_ACTOR, at=paid_at)


async def _payment_failed(session: AsyncSession, invoice: Invoice, stripe_invoice: dict[str, Any]) -> bool:
    return await lifecycle.mark_payment_failed(session, invoice, actor=STRIPE_ACTOR)


async def _voided(session: AsyncSession, invoice: Invoice, stripe_invoice: dict[str, Any]) -> bool:
    return await lifecycle.void(
        session, invoice, actor=STRIPE_ACTOR, reason="Voided in Stripe.", sync_to_stripe=False
    )


_WEBHOOK_HANDLERS: dict[str, _Apply] = {
    "invoice.paid": _paid,
    "invoice.payment_failed": _payment_failed,
    "invoice.voided": _voided,
}


async def apply_webhook(
    session: AsyncSession,
    payload: bytes,
    signature_header: str | None,
    *,
    secret: str,
    tolerance: int,
) -> WebhookResult:
    """Verify a Stripe webhook delivery and apply its event once, in the caller's transaction.

    Raises `WebhookRefused` (not authentic, unreadable, about no invoice of ours) or the lifecycle's
    `Conflict` (INVOICE_VOID, INVOICE_PAID); nothing of the event is written then.
    """
    event = _verified_event(payload, signature_header, secret=secret, tolerance=tolerance)
    event_id, event_type = event["id"], event["type"]
    seen = await session.scalar(
        select(StripeWebhookEvent.id).where(StripeWebhookEvent.stripe_event_id == event_id)
    )
    if seen is not None:
        return WebhookResult("duplicate", event_id, event_type)
    apply = _WEBHOOK_HANDLERS.get(event_type)
    if apply is None:
        return WebhookResult("ignored", event_id, event_type)
    data = event.get("data")
    stripe_invoice = data.get("object") if isinstance(data, dict) else None
    if not isinstance(stripe_invoice, dict):
        raise WebhookRefused("The event carries no invoice.", code=WebhookErrorCode.INVALID_PAYLOAD)
    invoice = await _invoice_of(session, stripe_invoice)
    if invoice is None:
        # Not recorded: Stripe delivers it again, and it applies once the invoice is known here.
        raise WebhookRefused(
            "The event is about no invoice known here.", code=WebhookErrorCode.UNKNOWN_INVOICE
        )
    try:
        async with session.begin_nested():
            session.add(
                StripeWebhookEvent(
                    stripe_event_id=event_id, type=event_type, invoice_id=invoice.id, received_at=clock.now()
                )
            )
            await session.flush()
            changed = await apply(session, invoice, stripe_invoice)
    except IntegrityError:  # the same event, delivered twice at once: the other delivery applied it
        return WebhookResult("duplicate", event_id, event_type, invoice.id)
    return WebhookResult("applied", event_id, event_type, invoice.id, changed)


def _verified_event(
    payload: bytes, signature_header: str | None, *, secret: str, tolerance: int
) -> dict[str, Any]:
    if not secret:
        raise WebhookRefused(
            "Stripe webhooks are not configured.", code=WebhookErrorCode.STRIPE_NOT_CONFIGURED
        )
    if not signature_header or not signature_header.strip():
        raise WebhookRefused(
            "The Stripe-Signature header is missing.", code=WebhookErrorCode.SIGNATURE_MISSING
        )
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookRefused("The payload is not UTF-8.", code=WebhookErrorCode.INVALID_PAYLOAD) from None
    try:
        # The tolerance is checked below against our clock, the one source of 'now'.
        stripe.WebhookSignature.verify_header(text, signature_header, secret, tolerance=None)
    except stripe.SignatureVerificationError:
        raise WebhookRefused(
            "The Stripe-Signature header does not match the payload.", code=WebhookErrorCode.SIGNATURE_INVALID
        ) from None
    signed_at = _signature_timestamp(signature_header)
    if signed_at is None or signed_at < clock.now().timestamp() - tolerance:
        raise WebhookRefused(
            f"The signature is older than {tolerance} seconds.", code=WebhookErrorCode.SIGNATURE_EXPIRED
        )
    try:
        event = json.loads(text)
    except ValueError:
        raise WebhookRefused("The payload is not JSON.", code=WebhookErrorCode.INVALID_PAYLOAD) from None
    if not (isinstance(event, dict) and _short_text(event.get("id")) and _short_text(event.get("type"))):
        raise WebhookRefused(
            "The payload is not a Stripe event (id, type).", code=WebhookErrorCode.INVALID_PAYLOAD
        )
    return event


def _short_text(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 80


def _signature_timestamp(header: str) -> int | None:
    for item in header.split(","):
        key, _, value = item.partition("=")
        if key.strip() == "t":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _invoice_of(session: AsyncSession, stripe_invoice: dict[str, Any]) -> Invoice | None:
    """Our invoice for a Stripe invoice: by the id we put in its metadata, else by its Stripe id.
    Locked (on PostgreSQL) so two events about one invoice apply one after the other."""
    metadata = stripe_invoice.get("metadata")
    atom_id = metadata.get("atom_invoice_id") if isinstance(metadata, dict) else None
    if isinstance(atom_id, str):
        try:
            invoice_id = uuid.UUID(atom_id)
        except ValueError:
            invoice_id = None
        if invoice_id is not None:
            invoice = await session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update())
            if invoice is not None:
                return invoice
    stripe_id = stripe_invoice.get("id")
    if _short_text(stripe_id):
        found: Invoice | None = await session.scalar(
            select(Invoice).where(Invoice.stripe_invoice_id == stripe_id).with_for_update()
        )
        return found
    return None


def _unix_time(value: object) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**34:
        return datetime.fromtimestamp(value, UTC)
    return None
