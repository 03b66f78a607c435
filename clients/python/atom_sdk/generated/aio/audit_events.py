from pydantic import Field

from .base_model import BaseModel
from .fragments import AuditEntryFields


class AuditEvents(BaseModel):
    audit_events: "AuditEventsAuditEvents" = Field(alias="auditEvents")


AuditEventsAuditEvents = AuditEntryFields
AuditEvents.model_rebuild()
