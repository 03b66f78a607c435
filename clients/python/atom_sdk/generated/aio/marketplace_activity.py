from datetime import datetime

from pydantic import Field

from .base_model import BaseModel
from .fragments import PackageFields, PackageVersionFields


class MarketplaceActivity(BaseModel):
    marketplace_activity: "MarketplaceActivityMarketplaceActivity" = Field(
        alias="marketplaceActivity"
    )


class MarketplaceActivityMarketplaceActivity(BaseModel):
    occurred_at: datetime = Field(alias="occurredAt")
    package: "MarketplaceActivityMarketplaceActivityPackage"
    version: "MarketplaceActivityMarketplaceActivityVersion"


MarketplaceActivityMarketplaceActivityPackage = PackageFields
MarketplaceActivityMarketplaceActivityVersion = PackageVersionFields
MarketplaceActivity.model_rebuild()
MarketplaceActivityMarketplaceActivity.model_rebuild()
