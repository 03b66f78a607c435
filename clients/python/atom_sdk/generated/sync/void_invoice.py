from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, InvoiceFields


class VoidInvoice(BaseModel):
    void_invoice: "VoidInvoiceVoidInvoice" = Field(alias="voidInvoice")


class VoidInvoiceVoidInvoice(BaseModel):
    invoice: Optional["VoidInvoiceVoidInvoiceInvoice"]
    user_errors: list["VoidInvoiceVoidInvoiceUserErrors"] = Field(alias="userErrors")


VoidInvoiceVoidInvoiceInvoice = InvoiceFields
VoidInvoiceVoidInvoiceUserErrors = BillingErrorFields
VoidInvoice.model_rebuild()
VoidInvoiceVoidInvoice.model_rebuild()
