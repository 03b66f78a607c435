from typing import Optional

from .base_model import BaseModel
from .fragments import PackageFields


class Package(BaseModel):
    package: Optional["PackagePackage"]


PackagePackage = PackageFields
Package.model_rebuild()
