from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import AuditCheckpointFields, AuditErrorFields


class CreateAuditCheckpoint(BaseModel):
    create_audit_checkpoint: "CreateAuditCheckpointCreateAuditCheckpoint" = Field(
        alias="createAuditCheckpoint"
    )


class CreateAuditCheckpointCreateAuditCheckpoint(BaseModel):
    checkpoint: Optional["CreateAuditCheckpointCreateAuditCheckpointCheckpoint"]
    user_errors: list["CreateAuditCheckpointCreateAuditCheckpointUserErrors"] = Field(
        alias="userErrors"
    )


CreateAuditCheckpointCreateAuditCheckpointCheckpoint = AuditCheckpointFields
CreateAuditCheckpointCreateAuditCheckpointUserErrors = AuditErrorFields
CreateAuditCheckpoint.model_rebuild()
CreateAuditCheckpointCreateAuditCheckpoint.model_rebuild()
