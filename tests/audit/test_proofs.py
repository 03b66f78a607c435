"""Checkpoints and proofs, checked without the code that made them: Merkle roots, inclusion and
consistency proofs with tests/audit/rfc9162_reference.py, checkpoint signatures with PyJWT and the
published keys. And the bad inputs: unknown, foreign or out-of-order checkpoints, empty chains."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm

from domain.db import unit_of_work
from resolvers.ids import to_global_id
from server.settings import Settings
from tests.audit import rfc9162_reference as ref
from tests.audit.support import (
    CHECKPOINT_FIELDS,
    CREATE_CHECKPOINT,
    checkpoint,
    create_roles,
    log_entries,
    org_chain,
    uuid_of,
)
from tests.billing.flow import operator
from tests.helpers import LOG_IN, Account, GraphQL, sign_up, unique

INCLUSION = (
    "query($entry: ID!, $checkpoint: ID!) { auditInclusionProof(entryId: $entry, checkpoint: $checkpoint) {"
    " leafIndex treeSize hashes entry { id sequence entryHash } checkpoint { " + CHECKPOINT_FIELDS + " } } }"
)
CONSISTENCY = (
    "query($from: ID!, $to: ID!) { auditConsistencyProof(fromCheckpoint: $from, toCheckpoint: $to) {"
    " hashes fromCheckpoint { id size rootHash } toCheckpoint { id size rootHash } } }"
)
CHECKPOINTS = "query { auditCheckpoints { " + CHECKPOINT_FIELDS + " } }"
CREATE_ORGANIZATION = """
mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { organization { id slug } userErrors { field code } }
}
"""


def hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


async def proof_error(gql: GraphQL, token: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    errors = await gql.errors(document, variables, token=token)
    assert len(errors) == 1, errors
    error: dict[str, Any] = errors[0]
    return {"message": error["message"], **error["extensions"]}


@pytest.fixture
async def history(gql: GraphQL) -> tuple[Account, dict[str, Any], dict[str, Any]]:
    """A chain with two checkpoints: after 4 entries, and after 9 (each checkpoint adds its own entry)."""
    owner = await sign_up(gql, prefix="proofs")
    await create_roles(gql, owner, 3)
    older = await checkpoint(gql, owner.access_token)
    await create_roles(gql, owner, 4)
    newer = await checkpoint(gql, owner.access_token)
    assert (older["size"], newer["size"]) == (4, 9)
    return owner, older, newer


async def test_checkpoint_roots_are_the_rfc6962_tree_of_the_entry_hashes(
    gql: GraphQL, history: tuple[Account, dict[str, Any], dict[str, Any]]
) -> None:
    owner, older, newer = history
    entries = await log_entries(gql, owner.access_token)
    leaves = hexes([e["entryHash"] for e in entries])
    for signed in (older, newer):
        assert signed["chain"] == org_chain(owner)
        assert bytes.fromhex(signed["rootHash"]) == ref.MTH(leaves[: signed["size"]])
    listed = (await gql(CHECKPOINTS, token=owner.access_token))["auditCheckpoints"]
    assert [c["id"] for c in listed] == [newer["id"], older["id"]]  # newest first
    # Asking again without new entries answers the same checkpoint... after the first ask's own entry.
    again = await checkpoint(gql, owner.access_token)
    assert again["size"] == 10


async def test_inclusion_proofs_verify_independently(
    gql: GraphQL, history: tuple[Account, dict[str, Any], dict[str, Any]]
) -> None:
    owner, older, newer = history
    entries = await log_entries(gql, owner.access_token)
    cases = [(e, older) for e in entries[:4]] + [(e, newer) for e in entries[:9]]
    for entry, signed in cases:
        proof = (
            await gql(INCLUSION, {"entry": entry["id"], "checkpoint": signed["id"]}, token=owner.access_token)
        )["auditInclusionProof"]
        assert proof["leafIndex"] == entry["sequence"] - 1
        assert proof["treeSize"] == signed["size"]
        assert proof["entry"]["entryHash"] == entry["entryHash"]
        assert proof["checkpoint"]["rootHash"] == signed["rootHash"]
        root = bytes.fromhex(signed["rootHash"])
        leaf = bytes.fromhex(entry["entryHash"])
        path = hexes(proof["hashes"])
        assert path == ref.PATH(
            proof["leafIndex"], hexes([e["entryHash"] for e in entries[: signed["size"]]])
        )
        assert ref.verify_inclusion(leaf, proof["leafIndex"], proof["treeSize"], path, root)
        # The same proof does not vouch for another leaf, index or root.
        assert not ref.verify_inclusion(bytes(32), proof["leafIndex"], proof["treeSize"], path, root)
        other = (proof["leafIndex"] + 1) % proof["treeSize"]
        assert not ref.verify_inclusion(leaf, other, proof["treeSize"], path, root)
        assert not ref.verify_inclusion(leaf, proof["leafIndex"], proof["treeSize"], path, bytes(32))


async def test_consistency_proofs_verify_independently(
    gql: GraphQL, history: tuple[Account, dict[str, Any], dict[str, Any]]
) -> None:
    owner, older, newer = history
    proof = (await gql(CONSISTENCY, {"from": older["id"], "to": newer["id"]}, token=owner.access_token))[
        "auditConsistencyProof"
    ]
    assert proof["fromCheckpoint"]["id"] == older["id"] and proof["toCheckpoint"]["id"] == newer["id"]
    first, second = bytes.fromhex(older["rootHash"]), bytes.fromhex(newer["rootHash"])
    path = hexes(proof["hashes"])
    entries = await log_entries(gql, owner.access_token)
    assert path == ref.PROOF(4, hexes([e["entryHash"] for e in entries[:9]]))
    assert ref.verify_consistency(4, 9, first, second, path)
    assert not ref.verify_consistency(4, 9, bytes(32), second, path)
    assert not ref.verify_consistency(4, 9, first, bytes(32), path)
    same = (await gql(CONSISTENCY, {"from": newer["id"], "to": newer["id"]}, token=owner.access_token))[
        "auditConsistencyProof"
    ]
    assert same["hashes"] == []
    assert ref.verify_consistency(9, 9, second, second, [])


async def _public_key(client: httpx.AsyncClient, path: str, kid: str) -> Any:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    jwk = next(k for k in response.json()["keys"] if k["kid"] == kid)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk  # the public half only
    return OKPAlgorithm.from_jwk(json.dumps(jwk))


async def test_checkpoint_signatures_verify_with_the_published_keys(
    gql: GraphQL,
    client: httpx.AsyncClient,
    settings: Settings,
    history: tuple[Account, dict[str, Any], dict[str, Any]],
) -> None:
    owner, older, newer = history
    for signed in (older, newer):
        header = jwt.get_unverified_header(signed["signature"])
        assert header["alg"] == "EdDSA" and header["typ"] == "atom-audit-checkpoint+jws"
        assert header["kid"] == signed["keyId"]
        for path in ("/.well-known/jwks.json", "/.well-known/audit-keys.json"):
            key = await _public_key(client, path, header["kid"])
            payload = jwt.api_jws.decode(signed["signature"], key, algorithms=["EdDSA"])
            assert payload.decode() == signed["statement"]
            statement = json.loads(payload)
            assert statement == {
                "chain": org_chain(owner),
                "size": signed["size"],
                "rootHash": signed["rootHash"],
                "time": statement["time"],
                "issuer": settings.issuer,
            }
            assert statement["time"].endswith("Z")
        # A statement that says anything else does not verify.
        head, _, signature = signed["signature"].split(".")
        forged = jwt.utils.base64url_encode(
            signed["statement"].replace('"size":', '"size":1').encode()
        ).decode()
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.api_jws.decode(f"{head}.{forged}.{signature}", key, algorithms=["EdDSA"])


# ---------------------------------------------------------------- bad inputs


async def test_unknown_and_malformed_checkpoints_are_not_found(
    gql: GraphQL, history: tuple[Account, dict[str, Any], dict[str, Any]]
) -> None:
    owner, older, _ = history
    entry = (await log_entries(gql, owner.access_token))[0]
    unknown = to_global_id("AuditCheckpoint", uuid.uuid4())
    for checkpoint_id in (unknown, "x", to_global_id("AuditEntry", uuid_of(entry["id"]))):
        error = await proof_error(
            gql, owner.access_token, INCLUSION, {"entry": entry["id"], "checkpoint": checkpoint_id}
        )
        assert error.get("reason", error["code"]) == "NOT_FOUND", error
    missing_entry = to_global_id("AuditEntry", uuid.uuid4())
    error = await proof_error(
        gql, owner.access_token, INCLUSION, {"entry": missing_entry, "checkpoint": older["id"]}
    )
    assert error.get("reason", error["code"]) == "NOT_FOUND" and error.get("field") == "entryId", error
    # The error names the argument that was wrong.
    for variables, field in (
        ({"from": "x", "to": older["id"]}, "fromCheckpoint"),
        ({"from": older["id"], "to": "x"}, "toCheckpoint"),
    ):
        error = await proof_error(gql, owner.access_token, CONSISTENCY, variables)
        assert error.get("reason", error["code"]) == "NOT_FOUND" and error.get("field") == field, error
    for variables, field in (
        ({"from": unknown, "to": older["id"]}, "fromCheckpoint"),
        ({"from": older["id"], "to": unknown}, "toCheckpoint"),
    ):
        error = await proof_error(gql, owner.access_token, CONSISTENCY, variables)
        assert error.get("reason", error["code"]) == "NOT_FOUND" and error.get("field") == field, error


async def test_an_entry_newer_than_the_checkpoint_has_no_proof(
    gql: GraphQL, history: tuple[Account, dict[str, Any], dict[str, Any]]
) -> None:
    owner, older, _ = history
    fifth = (await log_entries(gql, owner.access_token))[4]
    error = await proof_error(
        gql, owner.access_token, INCLUSION, {"entry": fifth["id"], "checkpoint": older["id"]}
    )
    assert error["code"] == "BAD_USER_INPUT" and error["reason"] == "NOT_IN_CHECKPOINT", error


async def test_checkpoints_in_the_wrong_order_have_no_consistency_proof(
    gql: GraphQL, history: tuple[Account, dict[str, Any], dict[str, Any]]
) -> None:
    owner, older, newer = history
    error = await proof_error(gql, owner.access_token, CONSISTENCY, {"from": newer["id"], "to": older["id"]})
    assert error["code"] == "BAD_USER_INPUT" and error["reason"] == "CHECKPOINT_ORDER", error
    assert error["field"] == "fromCheckpoint"


async def test_another_organizations_checkpoints_and_entries_are_not_found(
    gql: GraphQL, history: tuple[Account, dict[str, Any], dict[str, Any]]
) -> None:
    owner, older, newer = history
    other = await sign_up(gql, prefix="foreign")
    foreign = await checkpoint(gql, other.access_token)
    foreign_entry = (await log_entries(gql, other.access_token))[0]
    mine = (await log_entries(gql, owner.access_token))[0]
    unknown = to_global_id("AuditCheckpoint", uuid.uuid4())
    nothing = await proof_error(
        gql, owner.access_token, INCLUSION, {"entry": mine["id"], "checkpoint": unknown}
    )
    cases = [
        (INCLUSION, {"entry": mine["id"], "checkpoint": foreign["id"]}),
        (INCLUSION, {"entry": foreign_entry["id"], "checkpoint": foreign["id"]}),
        (CONSISTENCY, {"from": older["id"], "to": foreign["id"]}),
        (CONSISTENCY, {"from": foreign["id"], "to": newer["id"]}),
    ]
    for document, variables in cases:
        error = await proof_error(gql, owner.access_token, document, variables)
        assert error.get("reason", error["code"]) == "NOT_FOUND", error
        # Word for word what an id that never existed gets: nothing tells the checkpoint exists.
        if "entry" in variables:
            assert error == nothing, (error, nothing)
    # My entry against my checkpoint... but another chain's entry against mine is not found either.
    error = await proof_error(
        gql, owner.access_token, INCLUSION, {"entry": foreign_entry["id"], "checkpoint": older["id"]}
    )
    assert error.get("reason", error["code"]) == "NOT_FOUND" and error.get("field") == "entryId", error


async def test_a_checkpoint_of_an_empty_chain_is_refused(gql: GraphQL, app: FastAPI) -> None:
    owner = await sign_up(gql, prefix="empty")
    created = (
        await gql(
            CREATE_ORGANIZATION,
            {"input": {"name": "Second", "slug": unique("second")}},
            token=owner.access_token,
        )
    )["createOrganization"]
    assert created["userErrors"] == []
    # A token for the new organization, issued directly: a log-in would be an entry of its own.
    async with unit_of_work(app.state.sessionmaker) as session:
        token, _ = await app.state.runtime.tokens.issue_access_token(
            session, user_id=uuid_of(owner.user_id), organization_id=uuid_of(created["organization"]["id"])
        )
    payload = (await gql(CREATE_CHECKPOINT, {"input": {"platform": False}}, token=token))[
        "createAuditCheckpoint"
    ]
    assert payload["checkpoint"] is None
    assert payload["userErrors"] == [
        {"field": "chain", "message": "The audit chain has no entries yet.", "code": "EMPTY_CHAIN"}
    ]
    # The refusal itself was the chain's first entry: now there is something to sign.
    signed = await checkpoint(gql, token)
    assert signed["size"] == 1
    [entry] = (await log_entries(gql, token))[:1]
    assert (entry["action"], entry["outcome"], entry["reason"]) == (
        "createAuditCheckpoint",
        "REJECTED",
        "EMPTY_CHAIN",
    )
    assert bytes.fromhex(signed["rootHash"]) == ref.MTH([bytes.fromhex(entry["entryHash"])])


async def test_the_platform_operator_proves_platform_entries(gql: GraphQL, app: FastAPI) -> None:
    op = await operator(gql, app)
    failed = {"input": {"email": "nobody@example.com", "password": "wrong"}}
    await gql(LOG_IN, failed)  # an anonymous refusal: the platform chain has at least that
    signed = (await gql(CREATE_CHECKPOINT, {"input": {"platform": True}}, token=op.access_token))[
        "createAuditCheckpoint"
    ]["checkpoint"]
    assert signed["chain"] == "platform"
    platform = await log_entries(gql, op.access_token, platform=True, action="logIn")
    entry = next(e for e in reversed(platform) if e["sequence"] <= signed["size"])
    proof = (await gql(INCLUSION, {"entry": entry["id"], "checkpoint": signed["id"]}, token=op.access_token))[
        "auditInclusionProof"
    ]
    assert ref.verify_inclusion(
        bytes.fromhex(entry["entryHash"]),
        proof["leafIndex"],
        proof["treeSize"],
        hexes(proof["hashes"]),
        bytes.fromhex(signed["rootHash"]),
    )
    # An ordinary organization's owner cannot use a platform checkpoint.
    owner = await sign_up(gql, prefix="not-operator")
    mine = (await log_entries(gql, owner.access_token))[0]
    error = await proof_error(
        gql, owner.access_token, INCLUSION, {"entry": mine["id"], "checkpoint": signed["id"]}
    )
    assert error.get("reason", error["code"]) == "NOT_FOUND", error
