from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import InstallFields, MarketplaceErrorFields


class InstallPackage(BaseModel):
    install_package: "InstallPackageInstallPackage" = Field(alias="installPackage")


class InstallPackageInstallPackage(BaseModel):
    install: Optional["InstallPackageInstallPackageInstall"]
    user_errors: list["InstallPackageInstallPackageUserErrors"] = Field(
        alias="userErrors"
    )


InstallPackageInstallPackageInstall = InstallFields
InstallPackageInstallPackageUserErrors = MarketplaceErrorFields
InstallPackage.model_rebuild()
InstallPackageInstallPackage.model_rebuild()
