from pydantic import Field

from .base_model import BaseModel
from .fragments import AuditCheckpointFields


class AuditConsistencyProof(BaseModel):
    audit_consistency_proof: "AuditConsistencyProofAuditConsistencyProof" = Field(
        alias="auditConsistencyProof"
    )


class AuditConsistencyProofAuditConsistencyProof(BaseModel):
    from_checkpoint: "AuditConsistencyProofAuditConsistencyProofFromCheckpoint" = Field(
        alias="fromCheckpoint"
    )
    to_checkpoint: "AuditConsistencyProofAuditConsistencyProofToCheckpoint" = Field(
        alias="toCheckpoint"
    )
    hashes: list[str]


AuditConsistencyProofAuditConsistencyProofFromCheckpoint = AuditCheckpointFields
AuditConsistencyProofAuditConsistencyProofToCheckpoint = AuditCheckpointFields
AuditConsistencyProof.model_rebuild()
AuditConsistencyProofAuditConsistencyProof.model_rebuild()
