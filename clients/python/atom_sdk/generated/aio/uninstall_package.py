from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import InstallFields, MarketplaceErrorFields


class UninstallPackage(BaseModel):
    uninstall_package: "UninstallPackageUninstallPackage" = Field(
        alias="uninstallPackage"
    )


class UninstallPackageUninstallPackage(BaseModel):
    install: Optional["UninstallPackageUninstallPackageInstall"]
    user_errors: list["UninstallPackageUninstallPackageUserErrors"] = Field(
        alias="userErrors"
    )


UninstallPackageUninstallPackageInstall = InstallFields
UninstallPackageUninstallPackageUserErrors = MarketplaceErrorFields
UninstallPackage.model_rebuild()
UninstallPackageUninstallPackage.model_rebuild()
