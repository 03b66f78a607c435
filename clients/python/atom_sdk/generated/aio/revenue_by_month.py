from pydantic import Field

from .base_model import BaseModel
from .fragments import MoneyFields


class RevenueByMonth(BaseModel):
    revenue_by_month: list["RevenueByMonthRevenueByMonth"] = Field(
        alias="revenueByMonth"
    )


class RevenueByMonthRevenueByMonth(BaseModel):
    month: str
    amount: "RevenueByMonthRevenueByMonthAmount"
    publisher_share: "RevenueByMonthRevenueByMonthPublisherShare" = Field(
        alias="publisherShare"
    )
    count: int


RevenueByMonthRevenueByMonthAmount = MoneyFields
RevenueByMonthRevenueByMonthPublisherShare = MoneyFields
RevenueByMonth.model_rebuild()
RevenueByMonthRevenueByMonth.model_rebuild()
