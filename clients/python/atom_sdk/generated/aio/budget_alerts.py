from datetime import datetime
from decimal import Decimal
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import BudgetTarget
from .fragments import BudgetFields


class BudgetAlerts(BaseModel):
    budget_alerts: "BudgetAlertsBudgetAlerts" = Field(alias="budgetAlerts")


class BudgetAlertsBudgetAlerts(BaseModel):
    budget_id: str = Field(alias="budgetId")
    name: str
    target: BudgetTarget
    threshold: Decimal
    value: Decimal
    period: str
    hard_limit: bool = Field(alias="hardLimit")
    occurred_at: datetime = Field(alias="occurredAt")
    budget: Optional["BudgetAlertsBudgetAlertsBudget"]


BudgetAlertsBudgetAlertsBudget = BudgetFields
BudgetAlerts.model_rebuild()
BudgetAlertsBudgetAlerts.model_rebuild()
