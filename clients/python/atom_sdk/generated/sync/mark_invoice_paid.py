from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, InvoiceFields


class MarkInvoicePaid(BaseModel):
    mark_invoice_paid: "MarkInvoicePaidMarkInvoicePaid" = Field(alias="markInvoicePaid")


class MarkInvoicePaidMarkInvoicePaid(BaseModel):
    invoice: Optional["MarkInvoicePaidMarkInvoicePaidInvoice"]
    user_errors: list["MarkInvoicePaidMarkInvoicePaidUserErrors"] = Field(
        alias="userErrors"
    )


MarkInvoicePaidMarkInvoicePaidInvoice = InvoiceFields
MarkInvoicePaidMarkInvoicePaidUserErrors = BillingErrorFields
MarkInvoicePaid.model_rebuild()
MarkInvoicePaidMarkInvoicePaid.model_rebuild()
