from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MoneyFields, PublisherFields


class RevenueByPublisher(BaseModel):
    revenue_by_publisher: list["RevenueByPublisherRevenueByPublisher"] = Field(
        alias="revenueByPublisher"
    )


class RevenueByPublisherRevenueByPublisher(BaseModel):
    publisher_id: str = Field(alias="publisherId")
    amount: "RevenueByPublisherRevenueByPublisherAmount"
    publisher_share: "RevenueByPublisherRevenueByPublisherPublisherShare" = Field(
        alias="publisherShare"
    )
    count: int
    publisher: Optional["RevenueByPublisherRevenueByPublisherPublisher"]


RevenueByPublisherRevenueByPublisherAmount = MoneyFields
RevenueByPublisherRevenueByPublisherPublisherShare = MoneyFields
RevenueByPublisherRevenueByPublisherPublisher = PublisherFields
RevenueByPublisher.model_rebuild()
RevenueByPublisherRevenueByPublisher.model_rebuild()
