from datetime import datetime
from decimal import Decimal

from pydantic import Field

from .base_model import BaseModel
from .fragments import MeterFields


class UsageUpdates(BaseModel):
    usage_updates: "UsageUpdatesUsageUpdates" = Field(alias="usageUpdates")


class UsageUpdatesUsageUpdates(BaseModel):
    meter: "UsageUpdatesUsageUpdatesMeter"
    period: str
    period_start: datetime = Field(alias="periodStart")
    period_end: datetime = Field(alias="periodEnd")
    total: Decimal
    as_of: datetime = Field(alias="asOf")


UsageUpdatesUsageUpdatesMeter = MeterFields
UsageUpdates.model_rebuild()
UsageUpdatesUsageUpdates.model_rebuild()
