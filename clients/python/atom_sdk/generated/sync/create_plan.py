from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, PlanFields


class CreatePlan(BaseModel):
    create_plan: "CreatePlanCreatePlan" = Field(alias="createPlan")


class CreatePlanCreatePlan(BaseModel):
    plan: Optional["CreatePlanCreatePlanPlan"]
    user_errors: list["CreatePlanCreatePlanUserErrors"] = Field(alias="userErrors")


CreatePlanCreatePlanPlan = PlanFields
CreatePlanCreatePlanUserErrors = BillingErrorFields
CreatePlan.model_rebuild()
CreatePlanCreatePlan.model_rebuild()
