from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, InvoiceFields


class FinalizeInvoice(BaseModel):
    finalize_invoice: "FinalizeInvoiceFinalizeInvoice" = Field(alias="finalizeInvoice")


class FinalizeInvoiceFinalizeInvoice(BaseModel):
    invoice: Optional["FinalizeInvoiceFinalizeInvoiceInvoice"]
    user_errors: list["FinalizeInvoiceFinalizeInvoiceUserErrors"] = Field(
        alias="userErrors"
    )


FinalizeInvoiceFinalizeInvoiceInvoice = InvoiceFields
FinalizeInvoiceFinalizeInvoiceUserErrors = BillingErrorFields
FinalizeInvoice.model_rebuild()
FinalizeInvoiceFinalizeInvoice.model_rebuild()
