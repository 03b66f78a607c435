from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuthErrorFields, TrustedIssuerFields


class AddTrustedIssuer(BaseModel):
    add_trusted_issuer: "AddTrustedIssuerAddTrustedIssuer" = Field(
        alias="addTrustedIssuer"
    )


class AddTrustedIssuerAddTrustedIssuer(BaseModel):
    trusted_issuer: Optional["AddTrustedIssuerAddTrustedIssuerTrustedIssuer"] = Field(
        alias="trustedIssuer"
    )
    user_errors: list["AddTrustedIssuerAddTrustedIssuerUserErrors"] = Field(
        alias="userErrors"
    )


AddTrustedIssuerAddTrustedIssuerTrustedIssuer = TrustedIssuerFields
AddTrustedIssuerAddTrustedIssuerUserErrors = AuthErrorFields
AddTrustedIssuer.model_rebuild()
AddTrustedIssuerAddTrustedIssuer.model_rebuild()
