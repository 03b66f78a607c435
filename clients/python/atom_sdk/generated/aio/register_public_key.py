from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, SigningIdentityFields


class RegisterPublicKey(BaseModel):
    register_public_key: "RegisterPublicKeyRegisterPublicKey" = Field(
        alias="registerPublicKey"
    )


class RegisterPublicKeyRegisterPublicKey(BaseModel):
    signing_identity: Optional["RegisterPublicKeyRegisterPublicKeySigningIdentity"] = (
        Field(alias="signingIdentity")
    )
    user_errors: list["RegisterPublicKeyRegisterPublicKeyUserErrors"] = Field(
        alias="userErrors"
    )


RegisterPublicKeyRegisterPublicKeySigningIdentity = SigningIdentityFields
RegisterPublicKeyRegisterPublicKeyUserErrors = MarketplaceErrorFields
RegisterPublicKey.model_rebuild()
RegisterPublicKeyRegisterPublicKey.model_rebuild()
