from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, TrustedIssuerFields


class UpdateTrustedIssuer(BaseModel):
    update_trusted_issuer: "UpdateTrustedIssuerUpdateTrustedIssuer" = Field(
        alias="updateTrustedIssuer"
    )


class UpdateTrustedIssuerUpdateTrustedIssuer(BaseModel):
    trusted_issuer: Optional["UpdateTrustedIssuerUpdateTrustedIssuerTrustedIssuer"] = (
        Field(alias="trustedIssuer")
    )
    user_errors: list["UpdateTrustedIssuerUpdateTrustedIssuerUserErrors"] = Field(
        alias="userErrors"
    )


UpdateTrustedIssuerUpdateTrustedIssuerTrustedIssuer = TrustedIssuerFields
UpdateTrustedIssuerUpdateTrustedIssuerUserErrors = AuthErrorFields
UpdateTrustedIssuer.model_rebuild()
UpdateTrustedIssuerUpdateTrustedIssuer.model_rebuild()
