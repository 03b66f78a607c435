from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PackageFields


class CreatePackage(BaseModel):
    create_package: "CreatePackageCreatePackage" = Field(alias="createPackage")


class CreatePackageCreatePackage(BaseModel):
    package: Optional["CreatePackageCreatePackagePackage"]
    user_errors: list["CreatePackageCreatePackageUserErrors"] = Field(
        alias="userErrors"
    )


CreatePackageCreatePackagePackage = PackageFields
CreatePackageCreatePackageUserErrors = MarketplaceErrorFields
CreatePackage.model_rebuild()
CreatePackageCreatePackage.model_rebuild()
