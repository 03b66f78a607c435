from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, PlanFields


class SetPlanActive(BaseModel):
    set_plan_active: "SetPlanActiveSetPlanActive" = Field(alias="setPlanActive")


class SetPlanActiveSetPlanActive(BaseModel):
    plan: Optional["SetPlanActiveSetPlanActivePlan"]
    user_errors: list["SetPlanActiveSetPlanActiveUserErrors"] = Field(
        alias="userErrors"
    )


SetPlanActiveSetPlanActivePlan = PlanFields
SetPlanActiveSetPlanActiveUserErrors = BillingErrorFields
SetPlanActive.model_rebuild()
SetPlanActiveSetPlanActive.model_rebuild()
