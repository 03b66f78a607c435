"""`POST /webhooks/stripe`: Stripe's events about our invoices (paid, payment failed, voided), verified by
their signature and applied once each (`domain.billing.stripe_sync.apply_webhook`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from domain.audit import entries as audit
from domain.billing.models import Invoice
from domain.billing.stripe_sync import WebhookErrorCode, WebhookRefused, apply_webhook
from domain.db import unit_of_work
from domain.errors import Conflict, DomainError
from domain.ids import to_global_id
from server.settings import Settings

router = APIRouter()

_STATUS = {
    WebhookErrorCode.STRIPE_NOT_CONFIGURED: 503,
    WebhookErrorCode.UNKNOWN_INVOICE: 404,
}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _status_of(error: DomainError) -> int:
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, WebhookRefused):
        return _STATUS.get(WebhookErrorCode(error.code), 400)
    return 400


@router.post("/webhooks/stripe", include_in_schema=False)
async def stripe_webhook(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    secret = settings.stripe_webhook_secret.get_secret_value() if settings.stripe_webhook_secret else ""
    if not secret:
        return _error(503, WebhookErrorCode.STRIPE_NOT_CONFIGURED, "Stripe webhooks are not configured.")
    payload = await request.body()
    try:
        async with unit_of_work(request.app.state.sessionmaker) as session:
            result = await apply_webhook(
                session,
                payload,
                request.headers.get("stripe-signature"),
                secret=secret,
                tolerance=settings.stripe_webhook_tolerance_seconds,
            )
            if result.changed and result.invoice_id is not None:
                invoice = await session.get(Invoice, result.invoice_id)
                audit.record(
                    session,
                    organization_id=invoice.organization_id if invoice else None,
                    actor="system",
                    action="stripe.webhook",
                    target=to_global_id("Invoice", result.invoice_id),
                    reason=f"{result.event_type} {result.event_id}",
                    request_id=request.scope.get("state", {}).get("request_id"),
                    client_address=request.client.host if request.client else None,
                )
    except DomainError as error:
        return _error(_status_of(error), str(error.code), error.message)
    return JSONResponse({"status": result.status})
