from pydantic import Field

from .base_model import BaseModel
from .fragments import AuditEntryFields, PageInfoFields


class AuditLog(BaseModel):
    audit_log: "AuditLogAuditLog" = Field(alias="auditLog")


class AuditLogAuditLog(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "AuditLogAuditLogPageInfo" = Field(alias="pageInfo")
    nodes: list["AuditLogAuditLogNodes"]


AuditLogAuditLogPageInfo = PageInfoFields
AuditLogAuditLogNodes = AuditEntryFields
AuditLog.model_rebuild()
AuditLogAuditLog.model_rebuild()
