from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import VersionStatus
from .fragments import PackageFields, PackageVersionFields


class PackageStatus(BaseModel):
    package_status: "PackageStatusPackageStatus" = Field(alias="packageStatus")


class PackageStatusPackageStatus(BaseModel):
    package_id: str = Field(alias="packageId")
    version_id: str = Field(alias="versionId")
    version_number: str = Field(alias="versionNumber")
    from_status: Optional[VersionStatus] = Field(alias="fromStatus")
    to_status: VersionStatus = Field(alias="toStatus")
    reason: Optional[str]
    occurred_at: datetime = Field(alias="occurredAt")
    version: Optional["PackageStatusPackageStatusVersion"]
    package: Optional["PackageStatusPackageStatusPackage"]


PackageStatusPackageStatusVersion = PackageVersionFields
PackageStatusPackageStatusPackage = PackageFields
PackageStatus.model_rebuild()
PackageStatusPackageStatus.model_rebuild()
