from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields


class ReportUsage(BaseModel):
    report_usage: "ReportUsageReportUsage" = Field(alias="reportUsage")


class ReportUsageReportUsage(BaseModel):
    accepted: int
    duplicates: int
    user_errors: list["ReportUsageReportUsageUserErrors"] = Field(alias="userErrors")


ReportUsageReportUsageUserErrors = BillingErrorFields
ReportUsage.model_rebuild()
ReportUsageReportUsage.model_rebuild()
