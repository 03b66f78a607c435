from pydantic import Field

from .base_model import BaseModel
from .fragments import AuditCheckpointFields


class AuditCheckpoints(BaseModel):
    audit_checkpoints: list["AuditCheckpointsAuditCheckpoints"] = Field(
        alias="auditCheckpoints"
    )


AuditCheckpointsAuditCheckpoints = AuditCheckpointFields
AuditCheckpoints.model_rebuild()
