from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, PlanSubscriptionFields


class CancelSubscription(BaseModel):
    cancel_subscription: "CancelSubscriptionCancelSubscription" = Field(
        alias="cancelSubscription"
    )


class CancelSubscriptionCancelSubscription(BaseModel):
    subscription: Optional["CancelSubscriptionCancelSubscriptionSubscription"]
    user_errors: list["CancelSubscriptionCancelSubscriptionUserErrors"] = Field(
        alias="userErrors"
    )


CancelSubscriptionCancelSubscriptionSubscription = PlanSubscriptionFields
CancelSubscriptionCancelSubscriptionUserErrors = BillingErrorFields
CancelSubscription.model_rebuild()
CancelSubscriptionCancelSubscription.model_rebuild()
