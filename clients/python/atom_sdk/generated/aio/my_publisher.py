from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import PublisherFields, SigningIdentityFields


class MyPublisher(BaseModel):
    my_publisher: Optional["MyPublisherMyPublisher"] = Field(alias="myPublisher")


class MyPublisherMyPublisher(PublisherFields):
    signing_identities: list["MyPublisherMyPublisherSigningIdentities"] = Field(
        alias="signingIdentities"
    )


MyPublisherMyPublisherSigningIdentities = SigningIdentityFields
MyPublisher.model_rebuild()
MyPublisherMyPublisher.model_rebuild()
