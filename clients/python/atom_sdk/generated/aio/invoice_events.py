from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import InvoiceEventKind, InvoiceStatus
from .fragments import InvoiceFields, MoneyFields


class InvoiceEvents(BaseModel):
    invoice_events: "InvoiceEventsInvoiceEvents" = Field(alias="invoiceEvents")


class InvoiceEventsInvoiceEvents(BaseModel):
    kind: InvoiceEventKind
    invoice_id: str = Field(alias="invoiceId")
    number: str
    status: InvoiceStatus
    total: "InvoiceEventsInvoiceEventsTotal"
    occurred_at: datetime = Field(alias="occurredAt")
    invoice: Optional["InvoiceEventsInvoiceEventsInvoice"]


InvoiceEventsInvoiceEventsTotal = MoneyFields
InvoiceEventsInvoiceEventsInvoice = InvoiceFields
InvoiceEvents.model_rebuild()
InvoiceEventsInvoiceEvents.model_rebuild()
