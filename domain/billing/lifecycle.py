"""After finalization an invoice only moves OPEN -> PAID or OPEN -> VOID; both ends are final.

Each step is idempotent for the same target (paying a paid invoice changes nothing and reports so),
refuses the impossible (paying a void invoice, voiding a paid one) with a coded Conflict, records a
domain event, and, for a change made here rather than in Stripe, queues the change for Stripe in the
same transaction (the outbox; see `domain.billing.stripe_sync`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.billing.errors import BillingErrorCode as Code
from domain.billing.models import Invoice, InvoiceStatus, OutboxKind, OutboxMessage
from domain.clock import clock
from domain.errors import Conflict
from domain.events.bus import record


def enqueue(
    session: AsyncSession, kind: OutboxKind, organization_id: uuid.UUID, subject_id: uuid.UUID
) -> None:
    """Queue work for Stripe in the caller's transaction: CUSTOMER (a billing account id),
    INVOICE (an invoice id, after finalizing) or INVOICE_VOID."""
    now = clock.now()
    session.add(
        OutboxMessage(
            kind=kind,
            organization_id=organization_id,
            subject_id=subject_id,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def invoice_event(session: AsyncSession, invoice: Invoice, type_: str, actor: str, **extra: object) -> None:
    """The domain event of an invoice's step (`invoice.finalized`, `.paid`, `.payment_failed`, `.voided`)."""
    record(
        session,
        type=type_,
        organization_id=invoice.organization_id,
        subject_id=invoice.id,
        actor=actor,
        payload={
            "number": invoice.number,
            "status": invoice.status.value,
            "total": invoice.total,
            "currency": invoice.currency,
            **extra,
        },
    )


async def mark_paid(
    session: AsyncSession, invoice: Invoice, *, actor: str, at: datetime | None = None
) -> bool:
    """OPEN -> PAID. False when it was paid already; a void invoice cannot be paid."""
    if invoice.status is InvoiceStatus.PAID:
        return False
    if invoice.status is InvoiceStatus.VOID:
        raise Conflict(f"Invoice {invoice.number} is void and cannot be paid.", code=Code.INVOICE_VOID)
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = at or clock.now()
    invoice_event(session, invoice, "invoice.paid", actor)
    await session.flush()
    return True


async def mark_payment_failed(
    session: AsyncSession, invoice: Invoice, *, actor: str, at: datetime | None = None
) -> bool:
    """Record a failed payment attempt on an OPEN invoice (it stays OPEN). False when nothing changed."""
    if invoice.status is not InvoiceStatus.OPEN:
        return False
    invoice.payment_failed_at = at or clock.now()
    invoice_event(session, invoice, "invoice.payment_failed", actor)
    await session.flush()
    return True


async def void(
    session: AsyncSession,
    invoice: Invoice,
    *,
    actor: str,
    reason: str | None,
    sync_to_stripe: bool = True,
) -> bool:
    """OPEN -> VOID. False when it was void already; a paid invoice cannot be voided."""
    if invoice.status is InvoiceStatus.VOID:
        return False
    if invoice.status is InvoiceStatus.PAID:
        raise Conflict(f"Invoice {invoice.number} is paid and cannot be voided.", code=Code.INVOICE_PAID)
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = clock.now()
    invoice.void_reason = reason
    if sync_to_stripe:
        enqueue(session, OutboxKind.INVOICE_VOID, invoice.organization_id, invoice.id)
    invoice_event(session, invoice, "invoice.voided", actor, reason=reason)
    await session.flush()
    return True
