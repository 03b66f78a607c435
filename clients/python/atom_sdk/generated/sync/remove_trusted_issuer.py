from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields


class RemoveTrustedIssuer(BaseModel):
    remove_trusted_issuer: "RemoveTrustedIssuerRemoveTrustedIssuer" = Field(
        alias="removeTrustedIssuer"
    )


class RemoveTrustedIssuerRemoveTrustedIssuer(BaseModel):
    removed_trusted_issuer_id: Optional[str] = Field(alias="removedTrustedIssuerId")
    user_errors: list["RemoveTrustedIssuerRemoveTrustedIssuerUserErrors"] = Field(
        alias="userErrors"
    )


RemoveTrustedIssuerRemoveTrustedIssuerUserErrors = AuthErrorFields
RemoveTrustedIssuer.model_rebuild()
RemoveTrustedIssuerRemoveTrustedIssuer.model_rebuild()
