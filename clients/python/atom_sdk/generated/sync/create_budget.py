from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, BudgetFields


class CreateBudget(BaseModel):
    create_budget: "CreateBudgetCreateBudget" = Field(alias="createBudget")


class CreateBudgetCreateBudget(BaseModel):
    budget: Optional["CreateBudgetCreateBudgetBudget"]
    user_errors: list["CreateBudgetCreateBudgetUserErrors"] = Field(alias="userErrors")


CreateBudgetCreateBudgetBudget = BudgetFields
CreateBudgetCreateBudgetUserErrors = BillingErrorFields
CreateBudget.model_rebuild()
CreateBudgetCreateBudget.model_rebuild()
