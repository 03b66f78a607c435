from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, BudgetFields


class DeleteBudget(BaseModel):
    delete_budget: "DeleteBudgetDeleteBudget" = Field(alias="deleteBudget")


class DeleteBudgetDeleteBudget(BaseModel):
    budget: Optional["DeleteBudgetDeleteBudgetBudget"]
    user_errors: list["DeleteBudgetDeleteBudgetUserErrors"] = Field(alias="userErrors")


DeleteBudgetDeleteBudgetBudget = BudgetFields
DeleteBudgetDeleteBudgetUserErrors = BillingErrorFields
DeleteBudget.model_rebuild()
DeleteBudgetDeleteBudget.model_rebuild()
