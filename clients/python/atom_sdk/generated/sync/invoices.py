from pydantic import Field

from .base_model import BaseModel
from .fragments import InvoiceFields, PageInfoFields


class Invoices(BaseModel):
    invoices: "InvoicesInvoices"


class InvoicesInvoices(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "InvoicesInvoicesPageInfo" = Field(alias="pageInfo")
    nodes: list["InvoicesInvoicesNodes"]


InvoicesInvoicesPageInfo = PageInfoFields
InvoicesInvoicesNodes = InvoiceFields
Invoices.model_rebuild()
InvoicesInvoices.model_rebuild()
