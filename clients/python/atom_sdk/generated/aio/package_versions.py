from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import PackageVersionFields, PageInfoFields


class PackageVersions(BaseModel):
    package: Optional["PackageVersionsPackage"]


class PackageVersionsPackage(BaseModel):
    id: str
    full_name: str = Field(alias="fullName")
    versions: "PackageVersionsPackageVersions"


class PackageVersionsPackageVersions(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "PackageVersionsPackageVersionsPageInfo" = Field(alias="pageInfo")
    nodes: list["PackageVersionsPackageVersionsNodes"]


PackageVersionsPackageVersionsPageInfo = PageInfoFields
PackageVersionsPackageVersionsNodes = PackageVersionFields
PackageVersions.model_rebuild()
PackageVersionsPackage.model_rebuild()
PackageVersionsPackageVersions.model_rebuild()
