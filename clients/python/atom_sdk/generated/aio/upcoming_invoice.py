from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import InvoiceLineFields, MoneyFields


class UpcomingInvoice(BaseModel):
    upcoming_invoice: Optional["UpcomingInvoiceUpcomingInvoice"] = Field(
        alias="upcomingInvoice"
    )


class UpcomingInvoiceUpcomingInvoice(BaseModel):
    period: str
    period_start: datetime = Field(alias="periodStart")
    period_end: datetime = Field(alias="periodEnd")
    currency: str
    lines: list["UpcomingInvoiceUpcomingInvoiceLines"]
    subtotal: "UpcomingInvoiceUpcomingInvoiceSubtotal"
    total: "UpcomingInvoiceUpcomingInvoiceTotal"


UpcomingInvoiceUpcomingInvoiceLines = InvoiceLineFields
UpcomingInvoiceUpcomingInvoiceSubtotal = MoneyFields
UpcomingInvoiceUpcomingInvoiceTotal = MoneyFields
UpcomingInvoice.model_rebuild()
UpcomingInvoiceUpcomingInvoice.model_rebuild()
