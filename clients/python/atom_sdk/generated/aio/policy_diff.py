from pydantic import Field

from .base_model import BaseModel
from .fragments import PolicyRuleFields, PolicyVersionFields


class PolicyDiff(BaseModel):
    policy_diff: "PolicyDiffPolicyDiff" = Field(alias="policyDiff")


class PolicyDiffPolicyDiff(BaseModel):
    from_version: "PolicyDiffPolicyDiffFromVersion" = Field(alias="fromVersion")
    to_version: "PolicyDiffPolicyDiffToVersion" = Field(alias="toVersion")
    added: list["PolicyDiffPolicyDiffAdded"]
    removed: list["PolicyDiffPolicyDiffRemoved"]


PolicyDiffPolicyDiffFromVersion = PolicyVersionFields
PolicyDiffPolicyDiffToVersion = PolicyVersionFields
PolicyDiffPolicyDiffAdded = PolicyRuleFields
PolicyDiffPolicyDiffRemoved = PolicyRuleFields
PolicyDiff.model_rebuild()
PolicyDiffPolicyDiff.model_rebuild()
