from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import AuditProblemKind


class VerifyAuditChain(BaseModel):
    verify_audit_chain: "VerifyAuditChainVerifyAuditChain" = Field(
        alias="verifyAuditChain"
    )


class VerifyAuditChainVerifyAuditChain(BaseModel):
    ok: bool
    chain: str
    chain_size: int = Field(alias="chainSize")
    entries_checked: int = Field(alias="entriesChecked")
    checkpoints_checked: int = Field(alias="checkpointsChecked")
    from_sequence: Optional[int] = Field(alias="fromSequence")
    to_sequence: Optional[int] = Field(alias="toSequence")
    first_problem: Optional["VerifyAuditChainVerifyAuditChainFirstProblem"] = Field(
        alias="firstProblem"
    )


class VerifyAuditChainVerifyAuditChainFirstProblem(BaseModel):
    kind: AuditProblemKind
    sequence: int
    entry_id: Optional[str] = Field(alias="entryId")
    detail: str


VerifyAuditChain.model_rebuild()
VerifyAuditChainVerifyAuditChain.model_rebuild()
