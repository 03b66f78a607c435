from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, PlanSubscriptionFields


class Subscribe(BaseModel):
    subscribe: "SubscribeSubscribe"


class SubscribeSubscribe(BaseModel):
    subscription: Optional["SubscribeSubscribeSubscription"]
    user_errors: list["SubscribeSubscribeUserErrors"] = Field(alias="userErrors")


SubscribeSubscribeSubscription = PlanSubscriptionFields
SubscribeSubscribeUserErrors = BillingErrorFields
Subscribe.model_rebuild()
SubscribeSubscribe.model_rebuild()
