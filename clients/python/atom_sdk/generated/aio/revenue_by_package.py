from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MoneyFields


class RevenueByPackage(BaseModel):
    revenue_by_package: list["RevenueByPackageRevenueByPackage"] = Field(
        alias="revenueByPackage"
    )


class RevenueByPackageRevenueByPackage(BaseModel):
    package_id: str = Field(alias="packageId")
    amount: "RevenueByPackageRevenueByPackageAmount"
    publisher_share: "RevenueByPackageRevenueByPackagePublisherShare" = Field(
        alias="publisherShare"
    )
    count: int
    package: Optional["RevenueByPackageRevenueByPackagePackage"]


RevenueByPackageRevenueByPackageAmount = MoneyFields
RevenueByPackageRevenueByPackagePublisherShare = MoneyFields


class RevenueByPackageRevenueByPackagePackage(BaseModel):
    id: str
    full_name: str = Field(alias="fullName")
    title: str


RevenueByPackage.model_rebuild()
RevenueByPackageRevenueByPackage.model_rebuild()
