from pydantic import Field

from .base_model import BaseModel
from .fragments import PackageFields, PageInfoFields


class MarketplacePackages(BaseModel):
    marketplace_packages: "MarketplacePackagesMarketplacePackages" = Field(
        alias="marketplacePackages"
    )


class MarketplacePackagesMarketplacePackages(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "MarketplacePackagesMarketplacePackagesPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["MarketplacePackagesMarketplacePackagesNodes"]


MarketplacePackagesMarketplacePackagesPageInfo = PageInfoFields
MarketplacePackagesMarketplacePackagesNodes = PackageFields
MarketplacePackages.model_rebuild()
MarketplacePackagesMarketplacePackages.model_rebuild()
