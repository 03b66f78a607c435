"""Reading, verifying and checkpointing the audit log for GraphQL: the caller's chain, checked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from domain.audit import checkpoints, entries, service, verify
from domain.audit.models import AuditCheckpoint, AuditEntry
from domain.audit.service import AuditFilter
from domain.errors import InvalidInput, NotFound
from domain.events.bus import BusEvent
from domain.pagination import Page, PageRequest
from resolvers import streams
from resolvers.context import Context
from resolvers.errors import forbidden
from resolvers.ids import expect_global_id
from resolvers.mutations import Outcome, run_mutation


async def _chain(context: Context, *, platform: bool, organization_id: str | None = None) -> str:
    if organization_id is not None:
        target = expect_global_id(organization_id, "Organization")
        if target is None or target != context.principal.organization_id:
            # Another organization's chain is read by acting for it (a token for that organization).
            raise NotFound("No such organization.", code="NOT_FOUND", field="organization")
    return await service.chain_for(context.session, context.principal, platform=platform)


async def log(context: Context, where: AuditFilter, request: PageRequest) -> Page[AuditEntry]:
    chain = await _chain(context, platform=where.platform)
    return await service.page(
        context.session, chain, where, request, max_page_size=context.runtime.max_page_size
    )


async def verify_chain(
    context: Context,
    *,
    organization_id: str | None,
    platform: bool,
    since: datetime | None,
    until: datetime | None,
) -> verify.Report:
    AuditFilter(since=since, until=until).checked()
    chain = await _chain(context, platform=platform, organization_id=organization_id)
    return await verify.verify_chain(context.session, chain, since=since, until=until)


async def _checkpoint(context: Context, global_id: str, chains: list[str], field: str) -> AuditCheckpoint:
    pk = expect_global_id(global_id, "AuditCheckpoint")
    if pk is None:
        raise NotFound("No such audit checkpoint.", code="NOT_FOUND", field=field)
    return await checkpoints.get(context.session, pk, chains, field=field)


async def inclusion_proof(context: Context, entry_id: str, checkpoint_id: str) -> checkpoints.InclusionProof:
    chains = await service.readable_chains(context.session, context.principal)
    checkpoint = await _checkpoint(context, checkpoint_id, chains, "checkpoint")
    pk = expect_global_id(entry_id, "AuditEntry")
    entry = await service.entry(context.session, pk, checkpoint.chain) if pk else None
    if entry is None:
        raise NotFound("No such audit entry in the checkpoint's chain.", code="NOT_FOUND", field="entryId")
    return await checkpoints.inclusion(context.session, entry, checkpoint)


async def consistency_proof(context: Context, older_id: str, newer_id: str) -> checkpoints.ConsistencyProof:
    chains = await service.readable_chains(context.session, context.principal)
    older = await _checkpoint(context, older_id, chains, "fromCheckpoint")
    newer = await _checkpoint(context, newer_id, chains, "toCheckpoint")
    return await checkpoints.consistency(context.session, older, newer)


async def checkpoint_list(context: Context, *, platform: bool, limit: int) -> list[AuditCheckpoint]:
    chain = await _chain(context, platform=platform)
    return await checkpoints.recent(context.session, chain, limit)


async def create_checkpoint(context: Context, *, platform: bool) -> Outcome[AuditCheckpoint]:
    async def work() -> AuditCheckpoint:
        chain = await _chain(context, platform=platform)
        return await checkpoints.create(
            context.session,
            context.runtime.tokens.keyring,
            chain=chain,
            issuer=context.runtime.tokens.settings.issuer,
        )

    return await run_mutation(context, work)


# The entry of the event being delivered: every stream of the process reads the same one in turn,
# so one slot spares each of a thousand subscribers building its own (it is only read).
_latest: tuple[BusEvent, AuditEntry] | None = None


def _entry_of(event: BusEvent) -> AuditEntry:
    global _latest
    latest = _latest
    if latest is not None and latest[0] is event:
        return latest[1]
    entry = entries.entry_of_event(event)
    _latest = (event, entry)
    return entry


async def audit_events(
    context: Context, where: AuditFilter, after_sequence: int | None = None
) -> AsyncIterator[AuditEntry]:
    """New entries of the caller's chain (or the platform's, for operators) matching `where`; with
    `after_sequence`, first the matching ones already committed after it. None is sent twice: the
    stream is on the bus before they are read, and what they cover is skipped there."""
    where = where.checked()
    if after_sequence is not None and after_sequence < 0:
        raise InvalidInput("`afterSequence` cannot be negative.", code="INVALID", field="afterSequence")
    # Entries up to here were sent (replayed); only the ones after it come from the bus.
    sent_through = after_sequence if after_sequence is not None else 0

    async def authorize() -> None:
        decision = await context.authorizer.decide(context.principal, "audit:read")
        if not decision.allowed:
            raise forbidden("Missing permission audit:read.")
        await service.chain_for(context.session, context.principal, platform=where.platform)

    def accept(event: BusEvent) -> bool:
        if event.stream != "audit":
            return False
        entry = _entry_of(event)
        return entry.sequence > sent_through and service.matches(where, entry)

    async def replay() -> list[AuditEntry]:
        nonlocal sent_through
        assert after_sequence is not None
        chain = await service.chain_for(context.session, context.principal, platform=where.platform)
        rows = await service.entries_after(context.session, chain, where, after_sequence)
        if rows:
            sent_through = rows[-1].sequence
        return rows

    async def render(event: BusEvent) -> AuditEntry:
        return _entry_of(event)

    return await streams.live(
        context,
        topic="auditEvents",
        organization_id=None if where.platform else context.principal.organization_id,
        authorize=authorize,
        accept=accept,
        render=render,
        replay=replay if after_sequence is not None else None,
    )
