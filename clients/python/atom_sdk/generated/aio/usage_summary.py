from datetime import datetime
from decimal import Decimal

from pydantic import Field

from .base_model import BaseModel
from .enums import UsageGranularity
from .fragments import MeterFields


class UsageSummary(BaseModel):
    usage_summary: "UsageSummaryUsageSummary" = Field(alias="usageSummary")


class UsageSummaryUsageSummary(BaseModel):
    meter: "UsageSummaryUsageSummaryMeter"
    period: str
    granularity: UsageGranularity
    total: Decimal
    buckets: list["UsageSummaryUsageSummaryBuckets"]


UsageSummaryUsageSummaryMeter = MeterFields


class UsageSummaryUsageSummaryBuckets(BaseModel):
    start: datetime
    value: Decimal


UsageSummary.model_rebuild()
UsageSummaryUsageSummary.model_rebuild()
