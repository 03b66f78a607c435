from typing import Optional

from .base_model import BaseModel
from .fragments import PlanSubscriptionFields


class Subscription(BaseModel):
    subscription: Optional["SubscriptionSubscription"]


SubscriptionSubscription = PlanSubscriptionFields
Subscription.model_rebuild()
