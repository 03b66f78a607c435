"""The review state machine through GraphQL: who may review what, two approvals for high risk,
manual review of auto-run packages, reasons, illegal transitions, yank and revoke, the transition
history, the review queue and revoked signing identities."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from domain.auth.service import set_marketplace_reviewer
from domain.db import unit_of_work
from domain.principal import Principal
from resolvers.ids import from_global_id, to_global_id
from tests.helpers import Account, GraphQL, api_key, member_with_role, sign_up
from tests.marketplace import flow
from tests.marketplace.wpk_builder import DEFAULT_FILES, build_wpk, default_manifest

AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"

REVIEW = (
    "mutation($input: ReviewInput!) {{ {name}(input: $input) {{ version {{ id status statusReason }} "
    "userErrors {{ field code }} }} }}"
)
VERSION = """
query($id: ID!) {
  node(id: $id) {
    ... on PackageVersion {
      id version status statusReason approvalsRequired
      analysis { level requiresManualReview }
      transitions { fromStatus toStatus actor reason }
      verification { signingIdentity { id revokedAt revokedReason } }
    }
  }
}
"""
PACKAGE = """
query($name: String!) { package(fullName: $name) { id latestVersion { id version } } }
"""
INSTALLS = """
{ installs { id flag package { id } version { id version status } } }
"""
QUEUE = """
query($after: String) {
  reviewQueue(first: 100, after: $after) { nodes { id status } pageInfo { hasNextPage endCursor } }
}
"""
REVOKE_IDENTITY = """
mutation($input: RevokeSigningIdentityInput!) {
  revokeSigningIdentity(input: $input) { signingIdentity { id revokedAt } userErrors { field code } }
}
"""


async def review(
    gql: GraphQL, action: str, version_id: str, token: str, reason: str | None = None
) -> dict[str, Any]:
    variables: dict[str, Any] = {"versionId": version_id}
    if reason is not None:
        variables["reason"] = reason
    payload: dict[str, Any] = (await gql(REVIEW.format(name=action), {"input": variables}, token=token))[
        action
    ]
    return payload


def errors(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def version_of(gql: GraphQL, version_id: str, token: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = (await gql(VERSION, {"id": version_id}, token=token))["node"]
    return node


def actor(account: Account) -> str:
    decoded = from_global_id(account.user_id)
    assert decoded is not None
    return f"user:{decoded[1]}"


async def trust(app: FastAPI, account: Account, trusted: bool = True) -> None:
    assert account.organization_slug is not None
    async with unit_of_work(app.state.sessionmaker) as session:
        await set_marketplace_reviewer(
            session, Principal.system(), slug=account.organization_slug, trusted=trusted
        )


async def submit(
    gql: GraphQL,
    tmp_path: Path,
    pub: flow.Publisher,
    package_id: str,
    *,
    version: str = "1.0.0",
    files: dict[str, bytes] | None = None,
    manifest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    artifact = build_wpk(
        tmp_path / f"{package_id[-6:]}-{version}.tar.gz",
        manifest=manifest or default_manifest(version=version),
        files=files,
    )
    published = await flow.publish(gql, pub, package_id, artifact)
    assert published["userErrors"] == [], published
    assert published["version"]["status"] == "SUBMITTED"
    result: dict[str, Any] = published["version"]
    return result


async def published_version(
    gql: GraphQL, app: FastAPI, tmp_path: Path, **package_extra: Any
) -> tuple[flow.Publisher, str, dict[str, Any], Account]:
    """A publisher, its package, a version approved and published by a new trusted reviewer."""
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub, **package_extra)
    version = await submit(gql, tmp_path, pub, package_id)
    reviewer = await flow.trusted_reviewer(gql, app)
    approved = await review(gql, "approveVersion", version["id"], reviewer.access_token)
    assert approved["userErrors"] == [] and approved["version"]["status"] == "PUBLISHED", approved
    return pub, package_id, version, reviewer


# ---------------------------------------------------------------- who reviews what


async def test_self_review_is_refused_even_for_a_trusted_organization(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    version = await submit(gql, tmp_path, pub, package_id)
    await trust(app, pub.account)
    colleague = await member_with_role(gql, pub.account, "reviewer")
    for token in (colleague.access_token, pub.account.access_token):
        for action in ("approveVersion", "startReview", "rejectVersion"):
            payload = await review(gql, action, version["id"], token, reason="looks fine to me")
            assert payload["version"] is None
            assert errors(payload) == [("versionId", "SELF_REVIEW")], (action, payload)
    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None and seen["status"] == "SUBMITTED"
    assert [t["toStatus"] for t in seen["transitions"]] == ["DRAFT", "SUBMITTED"]


async def test_an_untrusted_organization_cannot_see_or_approve_a_version_under_review(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    version = await submit(gql, tmp_path, pub, package_id)
    outsider = await sign_up(gql, prefix="outsider")
    outsider_reviewer = await member_with_role(gql, outsider, "reviewer")
    for token in (outsider.access_token, outsider_reviewer.access_token):
        assert await version_of(gql, version["id"], token) is None
        for action in ("approveVersion", "startReview", "rejectVersion"):
            payload = await review(gql, action, version["id"], token, reason="nope")
            assert payload["version"] is None
            assert errors(payload) == [("versionId", "NOT_FOUND")], (action, payload)
    # The same answer as for a version that does not exist at all: no existence leak.
    missing = to_global_id("PackageVersion", uuid.uuid4())
    ghost = await review(gql, "approveVersion", missing, outsider_reviewer.access_token)
    assert errors(ghost) == [("versionId", "NOT_FOUND")]
    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None and seen["status"] == "SUBMITTED"


async def test_a_private_package_is_reviewed_inside_its_organization(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub, visibility="PRIVATE")
    version = await submit(gql, tmp_path, pub, package_id)
    platform = await flow.trusted_reviewer(gql, app)
    assert await version_of(gql, version["id"], platform.access_token) is None
    refused = await review(gql, "approveVersion", version["id"], platform.access_token)
    assert errors(refused) == [("versionId", "NOT_FOUND")]
    assert refused["version"] is None

    inside = await member_with_role(gql, pub.account, "reviewer")
    approved = await review(gql, "approveVersion", version["id"], inside.access_token, reason="ok")
    assert errors(approved) == []
    assert approved["version"]["status"] == "PUBLISHED"
    # Still private: another organization sees nothing.
    assert await version_of(gql, version["id"], platform.access_token) is None


# ---------------------------------------------------------------- approvals


async def test_high_risk_needs_two_approvals_from_different_reviewers(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    files = {**DEFAULT_FILES, "config.py": f"key = '{AWS_KEY}'\n".encode()}
    version = await submit(gql, tmp_path, pub, package_id, files=files)
    assert version["analysis"]["level"] in ("HIGH", "CRITICAL")
    assert version["approvalsRequired"] == 2

    first = await flow.trusted_reviewer(gql, app)
    second = await member_with_role(gql, first, "reviewer")
    one = await review(gql, "approveVersion", version["id"], first.access_token, reason="checked the key")
    assert errors(one) == []
    assert one["version"]["status"] == "IN_REVIEW"
    again = await review(gql, "approveVersion", version["id"], first.access_token)
    assert errors(again) == [("versionId", "ALREADY_APPROVED")]
    assert again["version"] is None

    consumer = await sign_up(gql, prefix="consumer")
    assert await version_of(gql, version["id"], consumer.access_token) is None

    two = await review(gql, "approveVersion", version["id"], second.access_token, reason="agreed")
    assert errors(two) == []
    assert two["version"]["status"] == "PUBLISHED"
    seen = await version_of(gql, version["id"], consumer.access_token)
    assert seen is not None and seen["status"] == "PUBLISHED"
    assert [(t["toStatus"], t["actor"]) for t in seen["transitions"]] == [
        ("DRAFT", actor(pub.account)),
        ("SUBMITTED", actor(pub.account)),
        ("IN_REVIEW", actor(first)),
        ("APPROVED", actor(second)),
        ("PUBLISHED", actor(second)),
    ]


async def test_an_auto_run_package_waits_for_a_manual_review(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    manifest = default_manifest(capabilities={"shell": False, "autoRun": True})
    version = await submit(gql, tmp_path, pub, package_id, manifest=manifest)
    assert version["analysis"]["requiresManualReview"] is True
    assert ("auto-run-needs-review", "P-3") in [
        (v["rule"], v["policy"]) for v in version["analysis"]["violations"]
    ]

    consumer = await sign_up(gql, prefix="consumer")
    listed = (await gql(flow.SEARCH, {"q": pub.namespace}, token=consumer.access_token))[
        "marketplacePackages"
    ]
    assert listed["totalCount"] == 0
    own = await gql(PACKAGE, {"name": f"{pub.namespace}/hello"}, token=pub.account.access_token)
    assert own["package"]["latestVersion"] is None
    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None and seen["status"] == "SUBMITTED"

    reviewer = await flow.trusted_reviewer(gql, app)
    approved = await review(gql, "approveVersion", version["id"], reviewer.access_token, reason="reviewed")
    assert errors(approved) == []
    assert approved["version"]["status"] == "PUBLISHED"
    listed = (await gql(flow.SEARCH, {"q": pub.namespace}, token=consumer.access_token))[
        "marketplacePackages"
    ]
    assert listed["totalCount"] == 1


# ---------------------------------------------------------------- reject and illegal transitions


async def test_reject_needs_a_reason_and_a_rejected_version_stays_rejected(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    version = await submit(gql, tmp_path, pub, package_id)
    reviewer = await flow.trusted_reviewer(gql, app)
    for reason in (None, "", "   "):
        payload = await review(gql, "rejectVersion", version["id"], reviewer.access_token, reason=reason)
        assert errors(payload) == [("reason", "REASON_REQUIRED")], reason
    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None and seen["status"] == "SUBMITTED"

    rejected = await review(
        gql, "rejectVersion", version["id"], reviewer.access_token, reason="reads secrets it does not declare"
    )
    assert errors(rejected) == []
    assert rejected["version"]["status"] == "REJECTED"
    assert rejected["version"]["statusReason"] == "reads secrets it does not declare"

    for action in ("approveVersion", "startReview"):
        payload = await review(gql, action, version["id"], reviewer.access_token)
        assert errors(payload) == [("versionId", "INVALID_TRANSITION")], action
    yank = await review(gql, "yankVersion", version["id"], pub.account.access_token, reason="oops")
    assert errors(yank) == [("versionId", "INVALID_TRANSITION")]
    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None and seen["status"] == "REJECTED"


async def test_a_rejected_private_version_cannot_be_approved(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub, visibility="PRIVATE")
    version = await submit(gql, tmp_path, pub, package_id)
    inside = await member_with_role(gql, pub.account, "reviewer")
    missing = await review(gql, "rejectVersion", version["id"], inside.access_token)
    assert errors(missing) == [("reason", "REASON_REQUIRED")]
    rejected = await review(gql, "rejectVersion", version["id"], inside.access_token, reason="no tests")
    assert errors(rejected) == []
    assert rejected["version"]["status"] == "REJECTED"
    for action in ("approveVersion", "startReview"):
        payload = await review(gql, action, version["id"], inside.access_token)
        assert errors(payload) == [("versionId", "INVALID_TRANSITION")], action
        assert payload["version"] is None
    seen = await version_of(gql, version["id"], inside.access_token)
    assert seen is not None and (seen["status"], seen["statusReason"]) == ("REJECTED", "no tests")


async def test_illegal_transitions_are_user_errors(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    version = await submit(gql, tmp_path, pub, package_id)
    yank = await review(gql, "yankVersion", version["id"], pub.account.access_token, reason="too early")
    assert errors(yank) == [("versionId", "INVALID_TRANSITION")]
    assert yank["version"] is None

    reviewer = await flow.trusted_reviewer(gql, app)
    approved = await review(gql, "approveVersion", version["id"], reviewer.access_token)
    assert approved["version"]["status"] == "PUBLISHED"
    other = await member_with_role(gql, reviewer, "reviewer")
    for token in (reviewer.access_token, other.access_token):
        again = await review(gql, "approveVersion", version["id"], token)
        assert errors(again) == [("versionId", "INVALID_TRANSITION")]
    start = await review(gql, "startReview", version["id"], other.access_token)
    assert errors(start) == [("versionId", "INVALID_TRANSITION")]
    reject = await review(gql, "rejectVersion", version["id"], other.access_token, reason="late")
    assert errors(reject) == [("versionId", "INVALID_TRANSITION")]
    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None and seen["status"] == "PUBLISHED"
    assert len(seen["transitions"]) == 5


# ---------------------------------------------------------------- yank and revoke


async def test_the_publisher_yanks_a_version_and_installs_are_flagged(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    reviewer = await flow.trusted_reviewer(gql, app)
    ids = {}
    for number in ("1.0.0", "1.1.0"):
        version = await submit(gql, tmp_path, pub, package_id, version=number)
        approved = await review(gql, "approveVersion", version["id"], reviewer.access_token)
        assert approved["version"]["status"] == "PUBLISHED"
        ids[number] = version["id"]

    consumer = await sign_up(gql, prefix="consumer")
    installed = (await gql(flow.INSTALL, {"input": {"packageId": package_id}}, token=consumer.access_token))[
        "installPackage"
    ]
    assert installed["userErrors"] == []
    assert installed["install"]["version"] == {"version": "1.1.0"}

    # Nobody else yanks it (not even a trusted reviewer: they revoke).
    for token in (consumer.access_token, reviewer.access_token):
        refused = await review(gql, "yankVersion", ids["1.1.0"], token, reason="mine now")
        assert errors(refused) == [("versionId", "NOT_FOUND")]
    no_reason = await review(gql, "yankVersion", ids["1.1.0"], pub.account.access_token)
    assert errors(no_reason) == [("reason", "REASON_REQUIRED")]

    yanked = await review(gql, "yankVersion", ids["1.1.0"], pub.account.access_token, reason="broken build")
    assert errors(yanked) == []
    assert yanked["version"] == {"id": ids["1.1.0"], "status": "YANKED", "statusReason": "broken build"}

    page = await gql(PACKAGE, {"name": f"{pub.namespace}/hello"}, token=consumer.access_token)
    assert page["package"]["latestVersion"] == {"id": ids["1.0.0"], "version": "1.0.0"}
    installs = (await gql(INSTALLS, token=consumer.access_token))["installs"]
    assert len(installs) == 1
    assert installs[0]["flag"] == "YANKED: broken build"
    assert installs[0]["version"] == {"id": ids["1.1.0"], "version": "1.1.0", "status": "YANKED"}
    # A yanked version is not installed anew.
    fresh = await sign_up(gql, prefix="consumer")
    again = (
        await gql(
            flow.INSTALL,
            {"input": {"packageId": package_id, "versionId": ids["1.1.0"]}},
            token=fresh.access_token,
        )
    )["installPackage"]
    assert again["install"] is None and again["userErrors"][0]["code"] == "NOT_FOUND"


async def test_revoke_by_a_trusted_reviewer_organization_only(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub, package_id, version, reviewer = await published_version(gql, app, tmp_path)
    consumer = await sign_up(gql, prefix="consumer")
    installed = (await gql(flow.INSTALL, {"input": {"packageId": package_id}}, token=consumer.access_token))[
        "installPackage"
    ]
    assert installed["userErrors"] == []

    outsider = await sign_up(gql, prefix="outsider")
    outsider_reviewer = await member_with_role(gql, outsider, "reviewer")
    for token in (pub.account.access_token, outsider.access_token, outsider_reviewer.access_token):
        refused = await review(gql, "revokeVersion", version["id"], token, reason="I do not like it")
        assert errors(refused) == [("versionId", "FORBIDDEN")]
        assert refused["version"] is None
    no_reason = await review(gql, "revokeVersion", version["id"], reviewer.access_token)
    assert errors(no_reason) == [("reason", "REASON_REQUIRED")]

    revoked = await review(gql, "revokeVersion", version["id"], reviewer.access_token, reason="malware")
    assert errors(revoked) == []
    assert revoked["version"]["status"] == "REVOKED"
    assert revoked["version"]["statusReason"] == "malware"
    installs = (await gql(INSTALLS, token=consumer.access_token))["installs"]
    assert [i["flag"] for i in installs] == ["REVOKED: malware"]
    page = await gql(PACKAGE, {"name": f"{pub.namespace}/hello"}, token=pub.account.access_token)
    assert page["package"]["latestVersion"] is None
    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None
    assert (seen["transitions"][-1]["toStatus"], seen["transitions"][-1]["actor"]) == (
        "REVOKED",
        actor(reviewer),
    )
    # Terminal: it cannot be revoked or yanked again.
    again = await review(gql, "revokeVersion", version["id"], reviewer.access_token, reason="twice")
    assert errors(again) == [("versionId", "INVALID_TRANSITION")]


async def test_api_keys_cannot_review(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    version = await submit(gql, tmp_path, pub, package_id)
    reviewer = await flow.trusted_reviewer(gql, app)

    # A key holding packages:review reaches the service, which refuses non-people: a userError.
    _id, review_key = await api_key(gql, reviewer, scopes=["packages:review"], roles=["reviewer"])
    for action in ("approveVersion", "startReview", "rejectVersion"):
        payload = await review(gql, action, version["id"], review_key, reason="automated")
        assert errors(payload) == [("versionId", "FORBIDDEN")], action
        assert payload["version"] is None

    # A key without packages:review is stopped at the field: a top-level FORBIDDEN error.
    _id, read_key = await api_key(gql, reviewer, scopes=["packages:read"], roles=["reviewer"])
    top = await gql.errors(
        REVIEW.format(name="approveVersion"), {"input": {"versionId": version["id"]}}, token=read_key
    )
    assert [(e["extensions"]["code"], e["path"]) for e in top] == [("FORBIDDEN", ["approveVersion"])]

    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None and seen["status"] == "SUBMITTED"


# ---------------------------------------------------------------- history and queue


async def test_transitions_list_every_step_with_actor_and_reason(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub = await flow.publisher(gql)
    package_id = await flow.create_package(gql, pub)
    version = await submit(gql, tmp_path, pub, package_id)
    reviewer = await flow.trusted_reviewer(gql, app)
    started = await review(gql, "startReview", version["id"], reviewer.access_token)
    assert started["version"]["status"] == "IN_REVIEW"
    approved = await review(gql, "approveVersion", version["id"], reviewer.access_token, reason="clean")
    assert approved["version"]["status"] == "PUBLISHED"
    yanked = await review(gql, "yankVersion", version["id"], pub.account.access_token, reason="superseded")
    assert yanked["version"]["status"] == "YANKED"

    seen = await version_of(gql, version["id"], pub.account.access_token)
    assert seen is not None
    publisher, platform = actor(pub.account), actor(reviewer)
    assert seen["transitions"] == [
        {"fromStatus": None, "toStatus": "DRAFT", "actor": publisher, "reason": "uploaded and verified"},
        {"fromStatus": "DRAFT", "toStatus": "SUBMITTED", "actor": publisher, "reason": None},
        {"fromStatus": "SUBMITTED", "toStatus": "IN_REVIEW", "actor": platform, "reason": None},
        {"fromStatus": "IN_REVIEW", "toStatus": "APPROVED", "actor": platform, "reason": "clean"},
        {"fromStatus": "APPROVED", "toStatus": "PUBLISHED", "actor": platform, "reason": None},
        {"fromStatus": "PUBLISHED", "toStatus": "YANKED", "actor": publisher, "reason": "superseded"},
    ]


async def queue_ids(gql: GraphQL, token: str) -> set[str]:
    found: set[str] = set()
    after: str | None = None
    while True:
        page = (await gql(QUEUE, {"after": after}, token=token))["reviewQueue"]
        found |= {n["id"] for n in page["nodes"]}
        assert all(n["status"] in ("SUBMITTED", "IN_REVIEW") for n in page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def test_the_review_queue_of_a_trusted_reviewer(gql: GraphQL, app: FastAPI, tmp_path: Path) -> None:
    # A trusted reviewer organization that publishes too.
    platform = await flow.publisher(gql)
    await trust(app, platform.account)
    own_package = await flow.create_package(gql, platform)
    own = await submit(gql, tmp_path, platform, own_package)

    other = await flow.publisher(gql)
    other_package = await flow.create_package(gql, other)
    theirs = await submit(gql, tmp_path, other, other_package)
    private_package = await flow.create_package(gql, other, name="secret", visibility="PRIVATE")
    private = await submit(
        gql, tmp_path, other, private_package, manifest=default_manifest(name="secret", version="1.0.0")
    )

    queue = await queue_ids(gql, platform.account.access_token)
    assert theirs["id"] in queue
    assert own["id"] not in queue
    assert private["id"] not in queue

    # An untrusted organization's reviewer sees only its own private versions.
    untrusted_queue = await queue_ids(
        gql, (await member_with_role(gql, other.account, "reviewer")).access_token
    )
    assert private["id"] in untrusted_queue
    assert theirs["id"] not in untrusted_queue

    approved = await review(gql, "approveVersion", theirs["id"], platform.account.access_token)
    assert approved["version"]["status"] == "PUBLISHED"
    assert theirs["id"] not in await queue_ids(gql, platform.account.access_token)


async def test_revoking_a_signing_identity_leaves_its_versions_published(
    gql: GraphQL, app: FastAPI, tmp_path: Path
) -> None:
    pub, _package_id, version, _reviewer = await published_version(gql, app, tmp_path)
    revoked = (
        await gql(
            REVOKE_IDENTITY,
            {"input": {"identityId": pub.identity_id, "reason": "key leaked"}},
            token=pub.account.access_token,
        )
    )["revokeSigningIdentity"]
    assert revoked["userErrors"] == []
    assert revoked["signingIdentity"]["revokedAt"] is not None

    consumer = await sign_up(gql, prefix="consumer")
    for token in (pub.account.access_token, consumer.access_token):
        seen = await version_of(gql, version["id"], token)
        assert seen is not None
        assert seen["status"] == "PUBLISHED"
        identity = seen["verification"]["signingIdentity"]
        assert identity["id"] == pub.identity_id
        assert identity["revokedAt"] is not None
        assert identity["revokedReason"] == "key leaked"
    page = await gql(PACKAGE, {"name": f"{pub.namespace}/hello"}, token=consumer.access_token)
    assert page["package"]["latestVersion"]["id"] == version["id"]
