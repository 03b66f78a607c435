from .base_model import BaseModel
from .fragments import BudgetFields


class Budgets(BaseModel):
    budgets: list["BudgetsBudgets"]


BudgetsBudgets = BudgetFields
Budgets.model_rebuild()
