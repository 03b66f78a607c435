"""GraphQL types of the audit log: entries, checkpoints, proofs, verification (docs/audit.md)."""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from domain.audit import checkpoints as domain_checkpoints
from domain.audit import models, verify
from domain.audit.risk import Risk
from domain.audit.service import AuditFilter
from resolvers import audit_log as resolve
from resolvers.context import Context
from resolvers.errors import bad_user_input
from resolvers.ids import to_global_id
from resolvers.permissions import needs
from schema.errors import UserError
from schema.node import load_node
from schema.relay import Connection, Node, connection, page_request
from schema.subscriptions import each

MAX_CHECKPOINTS = 100


AuditRisk = strawberry.enum(Risk, name="AuditRisk", description="The risk level of an entry (docs/audit.md).")


@strawberry.enum(description="Whether the action was allowed.")
class AuditDecision(enum.Enum):
    ALLOW = "ALLOW"
    DENY = "DENY"


@strawberry.enum(description="How the action ended.")
class AuditOutcome(enum.Enum):
    SUCCEEDED = "SUCCEEDED"
    REJECTED = "REJECTED"  # answered with userErrors; nothing changed
    FAILED = "FAILED"  # an unexpected error; nothing changed
    DENIED = "DENIED"  # authentication or authorization refused


@strawberry.type(description="One audit entry, hash-chained to the one before it in its chain.")
class AuditEntry(Node):
    id: strawberry.ID
    chain: str = strawberry.field(description="`org:<uuid>` or `platform`.")
    sequence: int = strawberry.field(description="Position in the chain, from 1.")
    time: datetime
    actor: str = strawberry.field(description="`user:<uuid>`, `apikey:<uuid>`, `system` or `anonymous`.")
    action: str = strawberry.field(
        description="The mutation's name, `read:<path>`, or a CLI or worker action."
    )
    target: str | None = strawberry.field(description="The global ID of the object acted on, if any.")
    decision: AuditDecision
    outcome: AuditOutcome
    risk: AuditRisk  # type: ignore[valid-type]
    reason: str | None = strawberry.field(description="Error codes, when the action did not succeed.")
    request_id: str | None
    client_address: str | None
    input_digest: str | None = strawberry.field(
        description="SHA-256 of the input's canonical JSON, secrets and personal data redacted."
    )
    prev_hash: str
    entry_hash: str

    @classmethod
    def from_model(cls, m: models.AuditEntry) -> AuditEntry:
        return cls(
            id=strawberry.ID(to_global_id("AuditEntry", m.id)),
            chain=m.chain,
            sequence=m.sequence,
            time=m.created_at,
            actor=m.actor,
            action=m.action,
            target=m.target,
            decision=AuditDecision(m.decision),
            outcome=AuditOutcome(m.outcome),
            risk=Risk(m.risk),
            reason=m.reason,
            request_id=m.request_id,
            client_address=m.client_address,
            input_digest=m.input_digest,
            prev_hash=m.prev_hash,
            entry_hash=m.entry_hash,
        )

    @strawberry.field(
        description=(
            "The object acted on, as `node(id: target)` finds it for you: null when there is none, "
            "it was deleted since, or you may not see it."
        )
    )
    async def target_node(self, info: Info[Context, Any]) -> Node | None:
        if self.target is None:
            return None
        node: Node | None = await load_node(info, self.target)
        return node


@strawberry.type(description="A signed statement of a chain's size and Merkle root (RFC 6962 tree).")
class AuditCheckpoint(Node):
    id: strawberry.ID
    chain: str
    size: int
    root_hash: str = strawberry.field(
        description="Hex SHA-256 Merkle root over the first `size` entry hashes."
    )
    time: datetime
    key_id: str = strawberry.field(description="`kid` of the signing key (see /.well-known/audit-keys.json).")
    signature: str = strawberry.field(description="Compact JWS (EdDSA) over the checkpoint statement.")
    statement: str = strawberry.field(description="The signed statement: canonical JSON.")

    @classmethod
    def from_model(cls, m: models.AuditCheckpoint) -> AuditCheckpoint:
        body = domain_checkpoints.statement_of(m)
        return cls(
            id=strawberry.ID(to_global_id("AuditCheckpoint", m.id)),
            chain=m.chain,
            size=m.size,
            root_hash=m.root_hash,
            time=m.created_at,
            key_id=m.kid,
            signature=m.signature,
            statement=body,
        )


@strawberry.type(description="The audit path of an entry in a checkpoint's tree (RFC 6962 §2.1.1).")
class AuditInclusionProof:
    entry: AuditEntry
    checkpoint: AuditCheckpoint
    leaf_index: int = strawberry.field(description="sequence - 1.")
    tree_size: int
    hashes: list[str] = strawberry.field(description="Hex hashes of the path, leaf to root.")


@strawberry.type(description="Proof that a checkpoint's tree extends an older one's (RFC 6962 §2.1.2).")
class AuditConsistencyProof:
    from_checkpoint: AuditCheckpoint
    to_checkpoint: AuditCheckpoint
    hashes: list[str]


@strawberry.enum(description="What verification found wrong.")
class AuditProblemKind(enum.Enum):
    MISSING_ENTRY = "MISSING_ENTRY"
    HASH_MISMATCH = "HASH_MISMATCH"
    BROKEN_LINK = "BROKEN_LINK"
    TRUNCATED = "TRUNCATED"
    CHECKPOINT_MISMATCH = "CHECKPOINT_MISMATCH"
    BAD_SIGNATURE = "BAD_SIGNATURE"


@strawberry.type(description="The first problem verification found.")
class AuditProblem:
    kind: AuditProblemKind
    sequence: int
    entry_id: strawberry.ID | None
    detail: str


@strawberry.type(description="The result of recomputing a chain: entries, links, head and checkpoints.")
class AuditVerification:
    ok: bool
    chain: str
    chain_size: int
    entries_checked: int
    checkpoints_checked: int
    from_sequence: int | None
    to_sequence: int | None
    first_problem: AuditProblem | None

    @classmethod
    def from_report(cls, r: verify.Report) -> AuditVerification:
        problem = r.first_problem
        return cls(
            ok=r.ok,
            chain=r.chain,
            chain_size=r.chain_size,
            entries_checked=r.entries_checked,
            checkpoints_checked=r.checkpoints_checked,
            from_sequence=r.from_sequence,
            to_sequence=r.to_sequence,
            first_problem=AuditProblem(
                kind=AuditProblemKind(problem.kind),
                sequence=problem.sequence,
                entry_id=strawberry.ID(to_global_id("AuditEntry", problem.entry_id))
                if problem.entry_id
                else None,
                detail=problem.detail,
            )
            if problem
            else None,
        )


@strawberry.input(description="Narrow the audit log. All given conditions must hold.")
class AuditLogFilter:
    platform: bool = strawberry.field(
        default=False,
        description="The platform chain instead of your organization's (platform operator only).",
    )
    actor: str | None = None
    action: str | None = None
    target: strawberry.ID | None = None
    minimum_risk: AuditRisk | None = None  # type: ignore[valid-type]
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None

    def to_domain(self) -> AuditFilter:
        return AuditFilter(
            platform=self.platform,
            actor=self.actor,
            action=self.action,
            target=str(self.target) if self.target is not None else None,
            minimum_risk=Risk(self.minimum_risk) if self.minimum_risk is not None else None,
            since=self.from_,
            until=self.to,
        )


@strawberry.input
class CreateAuditCheckpointInput:
    platform: bool = False


@strawberry.enum
class AuditErrorCode(enum.Enum):
    EMPTY_CHAIN = "EMPTY_CHAIN"
    CHAIN_BROKEN = "CHAIN_BROKEN"
    FORBIDDEN = "FORBIDDEN"
    INVALID = "INVALID"


@strawberry.type
class AuditError(UserError):
    code: AuditErrorCode


@strawberry.type
class CreateAuditCheckpointPayload:
    checkpoint: AuditCheckpoint | None
    user_errors: list[AuditError]


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="The audit log of your organization (or the platform's), oldest first.",
        extensions=needs("audit:read"),
    )
    async def audit_log(
        self,
        info: Info[Context, Any],
        filter: AuditLogFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEntry]:
        where = filter.to_domain() if filter is not None else AuditFilter()
        page = await resolve.log(info.context, where, page_request(first, after, last, before))
        return connection(page, AuditEntry.from_model, lambda m: m.id)

    @strawberry.field(description="The newest checkpoints of a chain.", extensions=needs("audit:read"))
    async def audit_checkpoints(
        self, info: Info[Context, Any], platform: bool = False, limit: int = 20
    ) -> list[AuditCheckpoint]:
        if not 0 < limit <= MAX_CHECKPOINTS:
            raise bad_user_input(f"`limit` is between 1 and {MAX_CHECKPOINTS}.", "limit")
        rows = await resolve.checkpoint_list(info.context, platform=platform, limit=limit)
        return [AuditCheckpoint.from_model(c) for c in rows]

    @strawberry.field(
        description="The audit path proving an entry is in a checkpoint's tree.",
        extensions=needs("audit:read"),
    )
    async def audit_inclusion_proof(
        self, info: Info[Context, Any], entry_id: strawberry.ID, checkpoint: strawberry.ID
    ) -> AuditInclusionProof:
        proof = await resolve.inclusion_proof(info.context, str(entry_id), str(checkpoint))
        return AuditInclusionProof(
            entry=AuditEntry.from_model(proof.entry),
            checkpoint=AuditCheckpoint.from_model(proof.checkpoint),
            leaf_index=proof.leaf_index,
            tree_size=proof.checkpoint.size,
            hashes=[h.hex() for h in proof.hashes],
        )

    @strawberry.field(
        description="Proof that a newer checkpoint's tree extends an older one's.",
        extensions=needs("audit:read"),
    )
    async def audit_consistency_proof(
        self, info: Info[Context, Any], from_checkpoint: strawberry.ID, to_checkpoint: strawberry.ID
    ) -> AuditConsistencyProof:
        proof = await resolve.consistency_proof(info.context, str(from_checkpoint), str(to_checkpoint))
        return AuditConsistencyProof(
            from_checkpoint=AuditCheckpoint.from_model(proof.older),
            to_checkpoint=AuditCheckpoint.from_model(proof.newer),
            hashes=[h.hex() for h in proof.hashes],
        )

    @strawberry.field(
        description="Recompute a chain (optionally the entries of a time span) and its checkpoints; "
        "reports the first broken entry.",
        extensions=needs("audit:read"),
    )
    async def verify_audit_chain(
        self,
        info: Info[Context, Any],
        organization: strawberry.ID | None = None,
        platform: bool = False,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> AuditVerification:
        report = await resolve.verify_chain(
            info.context,
            organization_id=str(organization) if organization is not None else None,
            platform=platform,
            since=from_,
            until=to,
        )
        return AuditVerification.from_report(report)


@strawberry.type
class AuditMutation:
    @strawberry.mutation(
        description="Sign a checkpoint of your organization's chain now (the server also does so hourly).",
        extensions=needs("audit:read"),
    )
    async def create_audit_checkpoint(
        self, info: Info[Context, Any], input: CreateAuditCheckpointInput | None = None
    ) -> CreateAuditCheckpointPayload:
        outcome = await resolve.create_checkpoint(info.context, platform=bool(input and input.platform))
        known = {c.value for c in AuditErrorCode}
        return CreateAuditCheckpointPayload(
            checkpoint=AuditCheckpoint.from_model(outcome.result) if outcome.result else None,
            user_errors=[
                AuditError(
                    field=e.field,
                    message=e.message,
                    code=AuditErrorCode(e.code) if e.code in known else AuditErrorCode.INVALID,
                )
                for e in outcome.user_errors
            ],
        )


@strawberry.type
class AuditSubscription:
    @strawberry.subscription(
        description="New audit entries of your organization's chain (or the platform's, operators only) "
        "as they commit, narrowed by the filter (`from`/`to` bound the entries' time). Needs audit:read."
    )
    async def audit_events(
        self,
        info: Info[Context, Any],
        filter: AuditLogFilter | None = None,
        after_sequence: Annotated[
            int | None,
            strawberry.argument(
                description="Resume after this sequence number of the chain: the matching entries "
                "already committed after it are sent first (at most 1000, else TOO_MANY_ENTRIES), "
                "then new ones, none twice. Pass the newest `sequence` you have read (from auditLog "
                "or an earlier stream) and no entry committed meanwhile is missed."
            ),
        ] = None,
    ) -> AsyncGenerator[AuditEntry, None]:
        where = filter.to_domain() if filter is not None else AuditFilter()
        return each(await resolve.audit_events(info.context, where, after_sequence), AuditEntry.from_model)
