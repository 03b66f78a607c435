from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, SigningIdentityFields


class RegisterSigstoreIdentity(BaseModel):
    register_sigstore_identity: "RegisterSigstoreIdentityRegisterSigstoreIdentity" = (
        Field(alias="registerSigstoreIdentity")
    )


class RegisterSigstoreIdentityRegisterSigstoreIdentity(BaseModel):
    signing_identity: Optional[
        "RegisterSigstoreIdentityRegisterSigstoreIdentitySigningIdentity"
    ] = Field(alias="signingIdentity")
    user_errors: list["RegisterSigstoreIdentityRegisterSigstoreIdentityUserErrors"] = (
        Field(alias="userErrors")
    )


RegisterSigstoreIdentityRegisterSigstoreIdentitySigningIdentity = SigningIdentityFields
RegisterSigstoreIdentityRegisterSigstoreIdentityUserErrors = MarketplaceErrorFields
RegisterSigstoreIdentity.model_rebuild()
RegisterSigstoreIdentityRegisterSigstoreIdentity.model_rebuild()
