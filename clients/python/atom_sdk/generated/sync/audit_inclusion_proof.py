from pydantic import Field

from .base_model import BaseModel
from .fragments import AuditCheckpointFields, AuditEntryFields


class AuditInclusionProof(BaseModel):
    audit_inclusion_proof: "AuditInclusionProofAuditInclusionProof" = Field(
        alias="auditInclusionProof"
    )


class AuditInclusionProofAuditInclusionProof(BaseModel):
    entry: "AuditInclusionProofAuditInclusionProofEntry"
    checkpoint: "AuditInclusionProofAuditInclusionProofCheckpoint"
    leaf_index: int = Field(alias="leafIndex")
    tree_size: int = Field(alias="treeSize")
    hashes: list[str]


AuditInclusionProofAuditInclusionProofEntry = AuditEntryFields
AuditInclusionProofAuditInclusionProofCheckpoint = AuditCheckpointFields
AuditInclusionProof.model_rebuild()
AuditInclusionProofAuditInclusionProof.model_rebuild()
