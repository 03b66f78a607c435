"""Tampering with the audit tables directly in the database, and verification finding it: through
`verifyAuditChain` and through `atom audit verify`. Each tampering gets a fresh organization's chain
of its own (the platform chain, which every test shares, is never touched)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rfc8785
from fastapi import FastAPI
from sqlalchemy import update

from domain.audit.entries import fields_of
from domain.audit.models import AuditChain, AuditEntry
from domain.db import unit_of_work
from server.settings import Settings
from tests.audit.support import (
    VERIFY,
    atom,
    chain_rows,
    checkpoint,
    create_roles,
    execute,
    log_entries,
    org_chain,
    verify,
)
from tests.helpers import Account, GraphQL, member_with_role, sign_up

ROLES = 6  # with the sign-up: a chain of 7 entries


@dataclass
class Chain:
    owner: Account
    name: str
    settings: Settings
    home: Path

    def cli(self) -> tuple[int, str]:
        assert self.owner.organization_slug is not None
        done = atom(self.settings, self.home, "audit", "verify", "--org", self.owner.organization_slug)
        return done.returncode, done.stdout + done.stderr


async def fresh_chain(gql: GraphQL, settings: Settings, home: Path) -> Chain:
    owner = await sign_up(gql, prefix="tamper")
    await create_roles(gql, owner, ROLES)
    return Chain(owner, org_chain(owner), settings, home)


@pytest.fixture
async def chain(gql: GraphQL, settings: Settings, tmp_path: Path) -> Chain:
    return await fresh_chain(gql, settings, tmp_path)


async def _swap(app: FastAPI, name: str, a: int, b: int) -> None:
    # (chain, sequence) is unique: park one row on a free number first.
    await execute(
        app, "UPDATE audit_entries SET sequence = -1 WHERE chain = :c AND sequence = :s", c=name, s=a
    )
    await execute(
        app, "UPDATE audit_entries SET sequence = :a WHERE chain = :c AND sequence = :b", c=name, a=a, b=b
    )
    await execute(
        app, "UPDATE audit_entries SET sequence = :b WHERE chain = :c AND sequence = -1", c=name, b=b
    )


async def _rehash_from(app: FastAPI, name: str, sequence: int, *, action: str) -> None:
    """Rewrite entry `sequence` and re-hash it and every later entry, head included: what someone
    who understands the format would do. Only a checkpoint gives it away."""
    rows = await chain_rows(app, name)
    prev = rows[sequence - 2].entry_hash if sequence > 1 else "0" * 64
    async with unit_of_work(app.state.sessionmaker) as session:
        for row in rows[sequence - 1 :]:
            if row.sequence == sequence:
                row.action = action
            row.prev_hash = prev
            row.entry_hash = hashlib.sha256(rfc8785.dumps(fields_of(row))).hexdigest()
            await session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == row.id)
                .values(action=row.action, prev_hash=row.prev_hash, entry_hash=row.entry_hash)
            )
            prev = row.entry_hash
        await session.execute(update(AuditChain).where(AuditChain.chain == name).values(head_hash=prev))


# Each tampering: what it does to a chain of 7 entries, and the (kinds, sequence) verification must report.
Tampering = Callable[[FastAPI, Chain, GraphQL], Awaitable[tuple[set[str], int]]]


async def edit_a_field(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    changed = await execute(
        app,
        "UPDATE audit_entries SET action = 'deleteEverything' WHERE chain = :c AND sequence = 4",
        c=c.name,
    )
    assert changed == 1
    return {"HASH_MISMATCH"}, 4


async def edit_the_decision(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    await execute(
        app, "UPDATE audit_entries SET decision = 'DENY' WHERE chain = :c AND sequence = 2", c=c.name
    )
    return {"HASH_MISMATCH"}, 2


async def edit_the_time(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    rows = await chain_rows(app, c.name)
    earlier = rows[4].created_at.replace(year=rows[4].created_at.year - 1)
    await execute(
        app, "UPDATE audit_entries SET created_at = :t WHERE chain = :c AND sequence = 5", t=earlier, c=c.name
    )
    return {"HASH_MISMATCH"}, 5


async def delete_a_middle_entry(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    assert await execute(app, "DELETE FROM audit_entries WHERE chain = :c AND sequence = 4", c=c.name) == 1
    return {"MISSING_ENTRY"}, 4


async def delete_the_first_entry(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    await execute(app, "DELETE FROM audit_entries WHERE chain = :c AND sequence = 1", c=c.name)
    return {"MISSING_ENTRY"}, 1


async def reorder_two_entries(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    await _swap(app, c.name, 3, 5)
    return {"BROKEN_LINK", "HASH_MISMATCH", "MISSING_ENTRY"}, 3


async def reorder_neighbours(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    await _swap(app, c.name, 6, 7)
    return {"BROKEN_LINK", "HASH_MISMATCH", "MISSING_ENTRY"}, 6


async def delete_the_last_entry(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    await execute(app, "DELETE FROM audit_entries WHERE chain = :c AND sequence = 7", c=c.name)
    return {"TRUNCATED"}, 7


async def rewrite_consistently_under_a_checkpoint(
    app: FastAPI, c: Chain, gql: GraphQL
) -> tuple[set[str], int]:
    signed = await checkpoint(gql, c.owner.access_token)  # covers 7; its own entry is the 8th
    assert signed["size"] == 7
    await _rehash_from(app, c.name, 4, action="createRoleQuietly")
    return {"CHECKPOINT_MISMATCH"}, 7


async def cut_the_tail_under_a_checkpoint(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    """Entries 7 and 8 removed and the head rewound to entry 6: the head agrees, the checkpoint does not."""
    await checkpoint(gql, c.owner.access_token)
    rows = await chain_rows(app, c.name)
    await execute(app, "DELETE FROM audit_entries WHERE chain = :c AND sequence > 6", c=c.name)
    await execute(
        app,
        "UPDATE audit_chains SET size = 6, head_hash = :h WHERE chain = :c",
        h=rows[5].entry_hash,
        c=c.name,
    )
    return {"TRUNCATED"}, 7


async def corrupt_a_checkpoint_signature(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    signed = await checkpoint(gql, c.owner.access_token)
    header, payload, signature = signed["signature"].split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    await execute(
        app,
        "UPDATE audit_checkpoints SET signature = :s WHERE chain = :c",
        s=f"{header}.{payload}.{flipped}",
        c=c.name,
    )
    return {"BAD_SIGNATURE"}, 7


async def move_a_checkpoint_root(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    """The stored root no longer says what the signature signed."""
    await checkpoint(gql, c.owner.access_token)
    await execute(app, "UPDATE audit_checkpoints SET root_hash = :r WHERE chain = :c", r="ab" * 32, c=c.name)
    return {"BAD_SIGNATURE"}, 7


async def append_a_forged_entry(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    """A well-formed, correctly linked 8th entry, the head left alone: the head gives it away."""
    last = (await chain_rows(app, c.name))[-1]
    forged = AuditEntry(
        id=uuid.uuid4(),
        chain=c.name,
        sequence=8,
        organization_id=last.organization_id,
        created_at=last.created_at,
        actor=last.actor,
        action="grantPermission",
        target=None,
        decision="ALLOW",
        outcome="SUCCEEDED",
        risk=3,
        reason=None,
        request_id=None,
        client_address=None,
        input_digest=None,
        prev_hash=last.entry_hash,
        entry_hash="",
    )
    forged.entry_hash = hashlib.sha256(rfc8785.dumps(fields_of(forged))).hexdigest()
    async with unit_of_work(app.state.sessionmaker) as session:
        session.add(forged)
    return {"TRUNCATED"}, 9  # the head records 7 entries; 8 are present and linked


async def name_an_unknown_signing_key(app: FastAPI, c: Chain, gql: GraphQL) -> tuple[set[str], int]:
    await checkpoint(gql, c.owner.access_token)
    await execute(app, "UPDATE audit_checkpoints SET kid = 'no-such-key' WHERE chain = :c", c=c.name)
    return {"BAD_SIGNATURE"}, 7


TAMPERINGS: list[Tampering] = [
    edit_a_field,
    edit_the_decision,
    edit_the_time,
    delete_a_middle_entry,
    delete_the_first_entry,
    reorder_two_entries,
    reorder_neighbours,
    delete_the_last_entry,
    rewrite_consistently_under_a_checkpoint,
    cut_the_tail_under_a_checkpoint,
    corrupt_a_checkpoint_signature,
    move_a_checkpoint_root,
    name_an_unknown_signing_key,
    append_a_forged_entry,
]


@dataclass
class Tampered:
    chain: Chain
    kinds: set[str]
    sequence: int


@pytest.fixture(scope="module")
async def tampered(
    app: FastAPI, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Tampered]:
    """Every tampering, each on a fresh chain that verified before: made once, checked by GraphQL
    per tampering and by one run of the command line over the whole database."""
    home = tmp_path_factory.mktemp("atom-cli")
    done: dict[str, Tampered] = {}
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        gql = GraphQL(http)
        for tamper in TAMPERINGS:
            chain = await fresh_chain(gql, settings, home)
            assert (await verify(gql, chain.owner.access_token))["ok"]
            kinds, sequence = await tamper(app, chain, gql)
            done[tamper.__name__] = Tampered(chain, kinds, sequence)
    return done


@pytest.mark.parametrize("tampering", [t.__name__ for t in TAMPERINGS])
async def test_verification_finds_tampering(
    gql: GraphQL, tampered: dict[str, Tampered], tampering: str
) -> None:
    case = tampered[tampering]
    report = await verify(gql, case.chain.owner.access_token)
    problem = report["firstProblem"]
    assert not report["ok"] and problem is not None, report
    assert problem["kind"] in case.kinds and problem["sequence"] == case.sequence, problem
    assert problem["detail"]


def test_the_command_line_finds_every_tampering(
    settings: Settings, tmp_path: Path, tampered: dict[str, Tampered]
) -> None:
    done = atom(settings, tmp_path, "audit", "verify")  # every chain of the database
    assert done.returncode == 1, done
    lines = {line.split(": ", 1)[0]: line for line in done.stdout.splitlines()}
    for name, case in tampered.items():
        line = lines.get(case.chain.name, "")
        assert any(f"BROKEN {kind} at {case.sequence}:" in line for kind in case.kinds), (name, line)
    # One organization's chain alone: the same finding, the same exit status.
    case = tampered["delete_a_middle_entry"]
    status, output = case.chain.cli()
    assert status == 1 and f"{case.chain.name}: " in output and "BROKEN MISSING_ENTRY at 4:" in output, output


async def test_a_clean_chain_verifies(gql: GraphQL, app: FastAPI, chain: Chain) -> None:
    signed = await checkpoint(gql, chain.owner.access_token)
    await create_roles(gql, chain.owner, 2)
    report = await verify(gql, chain.owner.access_token, organization=chain.owner.organization_id)
    assert report == {
        "ok": True,
        "chain": chain.name,
        "chainSize": 10,
        "entriesChecked": 10,
        "checkpointsChecked": 1,
        "fromSequence": None,
        "toSequence": None,
        "firstProblem": None,
    }
    assert signed["size"] == 7
    status, output = chain.cli()
    assert status == 0, output
    assert f"{chain.name}: 10 entries, 1 checkpoints, ok" in output


async def test_a_time_span_verifies_its_entries_and_the_link_into_it(
    gql: GraphQL, app: FastAPI, chain: Chain
) -> None:
    await checkpoint(gql, chain.owner.access_token)  # entry 8
    entries = await log_entries(gql, chain.owner.access_token)
    time = {e["sequence"]: e["time"] for e in entries}
    token = chain.owner.access_token

    middle = await verify(gql, token, **{"from": time[3], "to": time[5]})
    assert (middle["ok"], middle["fromSequence"], middle["toSequence"]) == (True, 3, 5)
    assert middle["entriesChecked"] == 3 and middle["checkpointsChecked"] == 0  # a root needs entry 1 on
    head = await verify(gql, token, to=time[7])
    assert (head["ok"], head["entriesChecked"], head["checkpointsChecked"]) == (True, 7, 1)
    tail = await verify(gql, token, **{"from": time[6]})
    assert (tail["ok"], tail["fromSequence"], tail["entriesChecked"]) == (True, 6, 3)
    empty = await verify(gql, token, **{"from": "2999-01-01T00:00:00+00:00"})
    assert (empty["ok"], empty["entriesChecked"]) == (True, 0)

    await execute(
        app, "UPDATE audit_entries SET actor = 'system' WHERE chain = :c AND sequence = 6", c=chain.name
    )
    assert (await verify(gql, token, **{"from": time[2], "to": time[4]}))["ok"]  # before the edit
    after = await verify(gql, token, **{"from": time[5], "to": time[7]})
    assert after["firstProblem"]["kind"] == "HASH_MISMATCH" and after["firstProblem"]["sequence"] == 6
    # The span starting after an edited entry still checks the link into it: entry 7 names 6's hash,
    # which is what 6 stored, so the link holds; the edit itself is outside the span.
    assert (await verify(gql, token, **{"from": time[7]}))["ok"]
    assert not (await verify(gql, token))["ok"]


async def test_only_the_callers_chain_is_verified(gql: GraphQL, app: FastAPI, chain: Chain) -> None:
    other = await sign_up(gql, prefix="other")
    errors = await gql.errors(
        "query($o: ID) { verifyAuditChain(organization: $o) { ok } }",
        {"o": other.organization_id},
        token=chain.owner.access_token,
    )
    assert errors[0]["extensions"].get("reason", errors[0]["extensions"]["code"]) == "NOT_FOUND", errors
    developer = await member_with_role(gql, chain.owner, "developer")
    errors = await gql.errors("query { verifyAuditChain { ok } }", token=developer.access_token)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    errors = await gql.errors(
        "query { verifyAuditChain(platform: true) { ok } }", token=chain.owner.access_token
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_inverted_time_span_is_refused(gql: GraphQL, chain: Chain) -> None:
    """As auditLog refuses it: a span that ends before it starts is a mistake, not a clean chain."""
    errors = await gql.errors(
        VERIFY,
        {"from": "2026-02-01T00:00:00+00:00", "to": "2026-01-01T00:00:00+00:00"},
        token=chain.owner.access_token,
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
    assert (
        errors[0]["extensions"].get("reason") == "INVALID_RANGE"
        and errors[0]["extensions"].get("field") == "from"
    )


async def test_a_time_without_an_offset_is_refused_not_a_crash(gql: GraphQL, chain: Chain) -> None:
    errors = await gql.errors(VERIFY, {"from": "2026-01-01T00:00:00"}, token=chain.owner.access_token)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
    assert errors[0]["extensions"].get("field") == "from", errors


def test_the_command_line_refuses_an_unknown_organization(settings: Settings, tmp_path: Path) -> None:
    done = atom(settings, tmp_path, "audit", "verify", "--org", "no-such-organization")
    assert done.returncode == 1 and "no organization 'no-such-organization'" in done.stderr, done
