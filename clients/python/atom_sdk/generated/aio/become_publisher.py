from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PublisherFields


class BecomePublisher(BaseModel):
    become_publisher: "BecomePublisherBecomePublisher" = Field(alias="becomePublisher")


class BecomePublisherBecomePublisher(BaseModel):
    publisher: Optional["BecomePublisherBecomePublisherPublisher"]
    user_errors: list["BecomePublisherBecomePublisherUserErrors"] = Field(
        alias="userErrors"
    )


BecomePublisherBecomePublisherPublisher = PublisherFields
BecomePublisherBecomePublisherUserErrors = MarketplaceErrorFields
BecomePublisher.model_rebuild()
BecomePublisherBecomePublisher.model_rebuild()
