"""Operations: health and readiness, request ids, Prometheus metrics, the JWKS, structured JSON logs
with secrets redacted, and the `atom seed --demo` command."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import re
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from domain.clock import clock
from server.app import create_app
from server.logs import RedactingJsonFormatter, RequestIdFilter, configure_logging, request_id_var
from server.migrate import head_revision
from server.settings import Settings
from tests.conftest import make_settings
from tests.helpers import LOG_IN, GraphQL, run_seed, sign_up
from tests.marketplace.flow import put_bytes

# ---------------------------------------------------------------- health and readiness


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_the_head_revision(client: httpx.AsyncClient) -> None:
    head = head_revision()
    assert head
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "database": "ok", "revision": head}


# ---------------------------------------------------------------- request ids


@pytest.mark.parametrize("offered", ["abc-123", "req_2026.04.01-x", "A" * 128])
async def test_sane_request_id_is_echoed(client: httpx.AsyncClient, offered: str) -> None:
    for path in ("/health", "/graphql?query=%7B__typename%7D"):
        response = await client.get(path, headers={"X-Request-ID": offered})
        assert response.status_code == 200
        assert response.headers["x-request-id"] == offered


@pytest.mark.parametrize(
    "offered",
    [
        "A" * 129,
        "has space",
        "semi;colon",
        "<script>",
        "new\\nline",
        "quote'd",
        "\u00fcn\u00efcode",
        "",
    ],
)
async def test_insane_request_id_is_replaced(client: httpx.AsyncClient, offered: str) -> None:
    response = await client.get("/health", headers=[(b"X-Request-ID", offered.encode("latin-1"))])
    assert response.status_code == 200
    generated = response.headers["x-request-id"]
    assert generated != offered
    assert re.fullmatch(r"[0-9a-f]{32}", generated), generated


async def test_each_request_without_an_id_gets_its_own(client: httpx.AsyncClient) -> None:
    first = (await client.get("/health")).headers["x-request-id"]
    second = (await client.get("/health")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


async def test_graphql_errors_carry_the_request_id_in_the_header(gql: GraphQL) -> None:
    response = await gql.http.post(
        "/graphql", json={"query": "{ nope }"}, headers={"X-Request-ID": "trace-me-7"}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert response.headers["x-request-id"] == "trace-me-7"


# ---------------------------------------------------------------- metrics


def sample_value(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` whose labels include `labels` (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE atom_graphql_operations_total counter" in response.text
    return response.text


async def test_metrics_count_operations_by_name_and_errors_by_code(
    client: httpx.AsyncClient, gql: GraphQL
) -> None:
    account = await sign_up(gql)
    before = await scrape(client)

    data = await gql("query ProbeOp { viewer { user { email } } }", token=account.access_token)
    assert data == {"viewer": {"user": {"email": account.email}}}
    errors = await gql.errors("query ProbeBad { viewer { nope } }")
    assert [e["extensions"]["code"] for e in errors] == ["GRAPHQL_VALIDATION_FAILED"]

    after = await scrape(client)
    ops = "atom_graphql_operations_total"
    probe = {"operation_name": "ProbeOp", "operation_type": "query"}
    assert sample_value(after, ops, **probe) == sample_value(before, ops, **probe) + 1
    latency = "atom_graphql_operation_duration_seconds_count"
    assert sample_value(after, latency, **probe) == sample_value(before, latency, **probe) + 1
    bad = {"operation_name": "ProbeBad"}
    assert sample_value(after, ops, **bad) == sample_value(before, ops, **bad) + 1
    errs = "atom_graphql_errors_total"
    code = {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert sample_value(after, errs, **code) == sample_value(before, errs, **code) + 1
    http = {"method": "POST", "route": "/graphql", "status": "200"}
    assert sample_value(after, "atom_http_requests_total", **http) >= (
        sample_value(before, "atom_http_requests_total", **http) + 2
    )


async def test_metrics_count_parse_errors_by_code(client: httpx.AsyncClient, gql: GraphQL) -> None:
    before = await scrape(client)
    errors = await gql.errors("query Broken { viewer { ")
    assert [e.get("extensions", {}).get("code") for e in errors] == ["GRAPHQL_PARSE_FAILED"]
    after = await scrape(client)
    errs = "atom_graphql_errors_total"
    code = {"code": "GRAPHQL_PARSE_FAILED"}
    assert sample_value(after, errs, **code) == sample_value(before, errs, **code) + 1


async def test_metrics_keep_long_operation_names_out_of_labels(
    client: httpx.AsyncClient, gql: GraphQL
) -> None:
    name = "Q" + "x" * 100  # a valid GraphQL name, too long for a label
    before = await scrape(client)
    assert await gql(f"query {name} {{ __typename }}") == {"__typename": "Query"}
    after = await scrape(client)
    ops = "atom_graphql_operations_total"
    anonymous = {"operation_name": "anonymous", "operation_type": "query"}
    assert sample_value(after, ops, **anonymous) == sample_value(before, ops, **anonymous) + 1
    assert name not in after


# ---------------------------------------------------------------- JWKS


async def test_a_client_gone_before_its_body_is_a_quiet_499(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A browser that closes the tab mid-request: no 500, no error logged, counted as 499."""
    before = sample_value(await scrape(client), "atom_http_requests_total", route="/graphql", status="499")
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"40"),
        ],
        "client": ("127.0.0.1", 40010),
        "server": ("testserver", 80),
    }
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    after = sample_value(await scrape(client), "atom_http_requests_total", route="/graphql", status="499")
    assert after == before + 1


async def test_jwks_lists_public_eddsa_keys_only(
    client: httpx.AsyncClient, gql: GraphQL, settings: Settings
) -> None:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "OKP"
        assert key["crv"] == "Ed25519"
        assert key["alg"] == "EdDSA"
        assert isinstance(key["kid"], str) and key["kid"]
        assert key["x"]
        assert "d" not in key
    assert len({key["kid"] for key in keys}) == len(keys)

    # An access token the server issues verifies against the published key of its `kid`.
    account = await sign_up(gql)
    header = jwt.get_unverified_header(account.access_token)
    assert header["alg"] == "EdDSA"
    published = {key["kid"]: key for key in keys}
    assert header["kid"] in published
    claims = jwt.decode(
        account.access_token,
        key=jwt.PyJWK(published[header["kid"]]).key,
        algorithms=["EdDSA"],
        audience=settings.audience,
        issuer=settings.issuer,
    )
    assert claims["sub"]


# ---------------------------------------------------------------- structured logs

API_KEY = "atom_3f9a1c2b7d4e_Vx8kPq2LmN5rT7wYz0aBcDeFgHiJkLmN"
REFRESH = "atomr_Q2hlY2sgdGhpcyBvdXQgbm93IHBsZWFzZQ"
JWT = (
    "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0"
    ".eyJzdWIiOiIwMTIzNDU2Nzg5IiwiZXhwIjoxOTAwMDAwMDAwfQ"
    ".c2lnbmF0dXJlLWJ5dGVzLWhlcmUtb2theQ"
)
SECRETS = (API_KEY, REFRESH, JWT, "Vx8kPq2LmN5rT7wYz0aBcDeFgHiJkLmN", "c2lnbmF0dXJlLWJ5dGVzLWhlcmUtb2theQ")


@pytest.fixture
def app_log() -> Iterator[io.StringIO]:
    """server.logs.configure_logging, its handler writing to a buffer; the root logger restored after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging("INFO")
    buffer = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def test_configured_logs_are_json_with_request_id_and_no_secrets(app_log: io.StringIO) -> None:
    token = request_id_var.set("rid-0042")
    try:
        logging.getLogger("atom.test").warning(
            "caller presented %s and %s and %s", API_KEY, JWT, REFRESH, extra={"header": f"Bearer {JWT}"}
        )
    finally:
        request_id_var.reset(token)
    logging.getLogger("atom.test").info("outside any request")
    lines = app_log.getvalue().splitlines()
    assert len(lines) == 2, lines
    entry, outside = (json.loads(line) for line in lines)
    assert entry["request_id"] == "rid-0042"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "atom.test"
    assert entry["time"]
    assert entry["message"] == "caller presented [redacted] and [redacted] and [redacted]"
    assert entry["header"] == "Bearer [redacted]"
    assert outside["request_id"] is None
    assert outside["message"] == "outside any request"
    for secret in SECRETS:
        assert secret not in app_log.getvalue()


def test_redacting_formatter_on_a_real_record() -> None:
    formatter = RedactingJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
    try:
        raise ValueError(f"refused key {API_KEY}")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        name="atom.auth",
        level=logging.ERROR,
        pathname=__file__,
        lineno=1,
        msg="token %s for atom-cloud (audience) failed",
        args=(JWT,),
        exc_info=exc_info,
    )
    record.__dict__.update(
        request_id="req-77",
        authorization=f"Bearer {JWT}",
        api_key=API_KEY,
        harmless="atom-cloud atomic atom_short",
    )
    output = formatter.format(record)
    entry = json.loads(output)
    assert entry["request_id"] == "req-77"
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "atom.auth"
    assert entry["message"] == "token [redacted] for atom-cloud (audience) failed"
    assert entry["authorization"] == "Bearer [redacted]"
    assert entry["api_key"] == "[redacted]"
    assert entry["harmless"] == "atom-cloud atomic atom_short"  # nothing that only looks alike
    assert "ValueError: refused key [redacted]" in entry["exc_info"]
    for secret in SECRETS:
        assert secret not in output


def test_request_id_filter_keeps_an_explicit_id() -> None:
    record = logging.LogRecord("atom", logging.INFO, __file__, 1, "m", None, None)
    record.__dict__["request_id"] = "explicit"
    token = request_id_var.set("ambient")
    try:
        assert RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert record.__dict__["request_id"] == "explicit"


# ---------------------------------------------------------------- atom seed --demo


@dataclass(frozen=True)
class Seeded:
    home: Path
    database_url: str
    stdout: str
    password: str
    users: list[tuple[str, str]]  # (email, role)
    api_key: str


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    home = tmp_path_factory.mktemp("seed-home")
    database_url = f"sqlite+aiosqlite:///{home / 'demo.db'}"
    result = run_seed(home, database_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    password = re.search(r"password: (\S+)", out)
    api_key = re.search(r"API key \(shown once\): (atom_\S+)", out)
    users = re.findall(r"^\s+(\S+@\S+)\s+\((\w+)\)\s*$", out, flags=re.M)
    assert password and api_key and users, out
    return Seeded(home, database_url, out, password.group(1), users, api_key.group(1))


def seeded_settings(seeded: Seeded) -> Settings:
    # master_key=None: the app reads the master key the CLI generated into ATOM_HOME.
    return make_settings(seeded.database_url, seeded.home, master_key=None)


@pytest.fixture
async def seeded_gql(seeded: Seeded) -> AsyncIterator[GraphQL]:
    application = create_app(seeded_settings(seeded))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40003))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield GraphQL(http)


def test_seed_prints_demo_logins_and_an_api_key(seeded: Seeded) -> None:
    assert "organization 'acme'" in seeded.stdout
    roles = {role for _, role in seeded.users}
    assert "owner" in roles
    assert len(seeded.users) >= 3
    assert re.fullmatch(r"atom_[0-9a-f]+_\S+", seeded.api_key)
    assert (seeded.home / "master.key").exists()


async def test_printed_credentials_log_in(seeded: Seeded, seeded_gql: GraphQL) -> None:
    for email, role in seeded.users:
        payload = (await seeded_gql(LOG_IN, {"input": {"email": email, "password": seeded.password}}))[
            "logIn"
        ]
        assert payload["userErrors"] == [], (email, payload)
        token = payload["session"]["accessToken"]
        viewer = (
            await seeded_gql(
                "{ viewer { user { email } organization { slug } memberships { roles } } }", token=token
            )
        )["viewer"]
        assert viewer["user"] == {"email": email}
        assert viewer["organization"] == {"slug": "acme"}
        assert viewer["memberships"] == [{"roles": [role]}]


async def test_printed_api_key_works(seeded: Seeded, seeded_gql: GraphQL) -> None:
    query = "{ viewer { user { email } apiKey { name } organization { slug } } }"
    for headers in ({"X-API-Key": seeded.api_key}, {"Authorization": f"Bearer {seeded.api_key}"}):
        response = await seeded_gql.http.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        assert body["data"]["viewer"]["user"] is None
        assert body["data"]["viewer"]["apiKey"]["name"]
        assert body["data"]["viewer"]["organization"] == {"slug": "acme"}


async def test_printed_try_mutation_logs_in(seeded: Seeded, seeded_gql: GraphQL) -> None:
    """The "Try:" line is the copy-paste way in: it must work as printed."""
    tried = re.search(r"Try: (mutation .*)$", seeded.stdout, flags=re.M)
    assert tried, seeded.stdout
    data = await seeded_gql(tried.group(1))
    assert data["logIn"]["session"] is not None, (tried.group(1), seeded.users)
    token = data["logIn"]["session"]["accessToken"]
    viewer = (await seeded_gql("{ viewer { user { email } } }", token=token))["viewer"]
    assert viewer["user"]["email"] in {email for email, _ in seeded.users}


def test_seed_twice_reports_the_organization_exists(seeded: Seeded) -> None:
    again = run_seed(seeded.home, seeded.database_url)
    assert again.returncode == 0, again.stderr
    assert "demo organization 'acme' exists already" in again.stdout
    assert "atom_" not in again.stdout  # no second key


# ---------------------------------------------------------------- the demo's marketplace and history
# `atom seed --demo` plays a publisher, a reviewer and a customer through the API (server/demo.py):
# these tests read what a first look at the Launchpad shows, through the same API.


async def _log_in(gql: GraphQL, email: str, password: str) -> str:
    payload = (await gql(LOG_IN, {"input": {"email": email, "password": password}}))["logIn"]
    assert payload["userErrors"] == [], (email, payload)
    return str(payload["session"]["accessToken"])


def test_seed_prints_the_publisher_and_the_files_to_publish_with(seeded: Seeded) -> None:
    assert "Publisher organization 'globex'" in seeded.stdout
    assert "owner@globex.example" in seeded.stdout
    key, archive = (
        seeded.home / "demo" / "acme-release-key.pem",
        seeded.home / "demo" / "release-notes-1.1.0.tar.gz",
    )
    assert f"{archive} signed with {key}" in seeded.stdout
    assert key.stat().st_mode & 0o777 == 0o600  # a private key: the owner's alone
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")


async def test_demo_marketplace_holds_signed_reviewed_packages(seeded_gql: GraphQL) -> None:
    query = """{ marketplacePackages(sort: NEWEST) { totalCount nodes { fullName pricing { model }
      latestVersion { version status verification { method keyFingerprint } } } } }"""
    catalog = (await seeded_gql(query))["marketplacePackages"]
    # anonymously: the three approved public packages; neither the one in review nor Acme's private one
    assert sorted(p["fullName"] for p in catalog["nodes"]) == [
        "globex/invoice-ocr",
        "globex/pdf-tables",
        "globex/slack-digest",
    ]
    versions = {p["fullName"]: p["latestVersion"] for p in catalog["nodes"]}
    assert versions["globex/pdf-tables"]["version"] == "1.1.0"
    for version in versions.values():
        assert version["status"] == "PUBLISHED"
        assert version["verification"]["method"] == "KEY"
        assert version["verification"]["keyFingerprint"].startswith("SHA256:")
    assert {p["fullName"]: p["pricing"]["model"] for p in catalog["nodes"]}["globex/invoice-ocr"] == "MONTHLY"


async def test_demo_review_queue_waits_on_a_high_risk_version(seeded: Seeded, seeded_gql: GraphQL) -> None:
    token = await _log_in(seeded_gql, "reviewer@acme.example", seeded.password)
    queue = (
        await seeded_gql(
            "{ reviewQueue { nodes { version status approvalsRequired package { fullName } "
            "analysis { level violations { rule } } } } }",
            token=token,
        )
    )["reviewQueue"]["nodes"]
    # (test_demo_files_publish_the_next_version may add acme/release-notes 1.1.0 to the queue)
    queue = [v for v in queue if v["package"]["fullName"] != "acme/release-notes"]
    assert queue == [
        {
            "version": "0.9.0",
            "status": "SUBMITTED",
            "approvalsRequired": 2,
            "package": {"fullName": "globex/db-backup"},
            "analysis": {"level": "HIGH", "violations": [{"rule": "undeclared-shell"}]},
        }
    ]


async def test_demo_history_has_last_months_invoice_revenue_and_installs(
    seeded: Seeded, seeded_gql: GraphQL
) -> None:
    token = await _log_in(seeded_gql, "finance@acme.example", seeded.password)
    data = await seeded_gql(
        "{ invoices { nodes { number status period total { amount currency } lines { kind package { fullName } } } } "
        "revenueByMonth { month amount { amount } publisherShare { amount } } "
        "budgets { name alerts { period } } }",
        token=token,
    )
    owner = await _log_in(seeded_gql, "owner@acme.example", seeded.password)
    installs = (await seeded_gql("{ installs { package { fullName } version { version } } }", token=owner))[
        "installs"
    ]
    (invoice,) = data["invoices"]["nodes"]
    assert invoice["status"] == "OPEN" and invoice["total"]["currency"] == "EUR"
    assert invoice["total"]["amount"] > 4900  # the plan's fee, usage and the paid package
    kinds = {(line["kind"], (line["package"] or {}).get("fullName")) for line in invoice["lines"]}
    assert {("PLATFORM_FEE", None), ("USAGE", None), ("PACKAGE", "globex/invoice-ocr")} <= kinds
    (month,) = data["revenueByMonth"]
    assert month["month"] == invoice["period"]
    assert month["amount"]["amount"] == invoice["total"]["amount"]
    assert month["publisherShare"]["amount"] > 0
    alerts = {b["name"]: [a["period"] for a in b["alerts"]] for b in data["budgets"]}
    this_month = clock.now().strftime("%Y-%m")
    assert alerts == {"Model tokens": [], "Monthly spend": [this_month]}  # the demo's usage crossed it
    assert sorted((i["package"]["fullName"], i["version"]["version"]) for i in installs) == [
        ("globex/invoice-ocr", "1.0.0"),
        ("globex/pdf-tables", "1.1.0"),
        ("globex/slack-digest", "2.0.0"),
    ]
    # the publisher sees its share of what Acme paid for its package
    globex = await _log_in(seeded_gql, "owner@globex.example", seeded.password)
    (earned,) = (await seeded_gql("{ revenueByMonth { publisherShare { amount } } }", token=globex))[
        "revenueByMonth"
    ]
    assert earned["publisherShare"]["amount"] == month["publisherShare"]["amount"]


async def test_demo_audit_chains_verify_under_a_checkpoint(seeded: Seeded, seeded_gql: GraphQL) -> None:
    token = await _log_in(seeded_gql, "owner@acme.example", seeded.password)
    data = await seeded_gql(
        "{ verifyAuditChain { ok entriesChecked checkpointsChecked } auditCheckpoints { size } "
        "auditLog(first: 100) { nodes { action } } }",
        token=token,
    )
    assert data["verifyAuditChain"]["ok"] is True
    assert data["verifyAuditChain"]["checkpointsChecked"] >= 1
    actions = {entry["action"] for entry in data["auditLog"]["nodes"]}
    # every step the demo took through the API left its entry
    assert {"publishVersion", "approveVersion", "installPackage", "createBudget", "reportUsage"} <= actions
    assert "invoices.closePeriods" in actions


async def test_demo_files_publish_the_next_version(seeded: Seeded, seeded_gql: GraphQL) -> None:
    """What the seed prints works: the archive, signed with the key, is accepted as acme/release-notes 1.1.0."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key((seeded.home / "demo" / "acme-release-key.pem").read_bytes(), None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    archive = (seeded.home / "demo" / "release-notes-1.1.0.tar.gz").read_bytes()
    token = await _log_in(seeded_gql, "owner@acme.example", seeded.password)
    upload = (
        await seeded_gql(
            "mutation($input: CreateUploadInput!) { createUpload(input: $input) { upload { uploadId url } } }",
            {"input": {"filename": "release-notes-1.1.0.tar.gz"}},
            token=token,
        )
    )["createUpload"]["upload"]
    put = await put_bytes(seeded_gql.http, upload["url"], archive)  # this server's route, or MinIO's URL
    assert put.status_code == 200, put.text
    package = (await seeded_gql('{ package(fullName: "acme/release-notes") { id } }', token=token))["package"]
    signature = base64.b64encode(key.sign(hashlib.sha256(archive).digest())).decode()
    published = (
        await seeded_gql(
            "mutation($input: PublishVersionInput!) { publishVersion(input: $input) { "
            "version { version status verification { method } } userErrors { code message } } }",
            {
                "input": {
                    "packageId": package["id"],
                    "uploadId": upload["uploadId"],
                    "signature": {"keySignature": signature},
                }
            },
            token=token,
        )
    )["publishVersion"]
    assert published["userErrors"] == []
    assert published["version"] == {
        "version": "1.1.0",
        "status": "SUBMITTED",
        "verification": {"method": "KEY"},
    }
