"""The demo's marketplace and history, made through the public GraphQL API in-process.

`domain.demo` creates the Acme tenant (its users, plans, subscription and usage). This module then
plays what the people of two organizations would do, request by request, so every row and every
audit entry is what real use leaves behind:

- Globex Labs signs up, becomes the publisher `globex`, registers an Ed25519 key and publishes four
  signed packages; Acme (trusted to review public packages) approves three of them, and a fourth,
  high-risk version waits in Acme's review queue;
- Acme publishes a private package of its own, reviewed inside Acme;
- Acme installs a free and a paid package, sets two budgets and reports usage that crosses one;
- last month is closed into an invoice (which gives the finance pages revenue), and the audit
  chains get a signed checkpoint.

Acme's signing key and the next version of its package are left under `<home>/demo/`, so a first
look can go on to publish from the Launchpad's Publish page.

The few history facts the API cannot express (that the paid install started last month) are set
through the domain before the period is closed.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import logging
import os
import tarfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from domain.audit.checkpoints import create_due
from domain.auth.repository import get_organization_by_slug
from domain.auth.service import set_marketplace_reviewer
from domain.billing.invoicing import close_ended_periods
from domain.billing.models import PackageCharge
from domain.billing.periods import period_of
from domain.clock import clock
from domain.db import unit_of_work
from domain.demo import DEMO_ORG_SLUG, DEMO_PASSWORD
from domain.principal import Principal
from server.settings import Settings

PUBLISHER_SLUG = "globex"
PUBLISHER_OWNER = "owner@globex.example"


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """What a first look needs to publish a version from the Launchpad."""

    signing_key: Path  # Acme's registered Ed25519 key, PKCS#8 PEM
    next_version: Path  # acme/release-notes 1.1.0, not yet published


class DemoSeedError(RuntimeError):
    """A step of the demo was refused by the API: the message holds the operation and the answer."""


@dataclass(frozen=True, slots=True)
class DemoPackage:
    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    category: str
    versions: tuple[str, ...]
    code: str
    capabilities: dict[str, Any]
    pricing: dict[str, Any] | None = None
    visibility: str = "PUBLIC"
    approved: bool = True  # False: the last version stays in the review queue


GLOBEX_PACKAGES = (
    DemoPackage(
        name="pdf-tables",
        title="PDF table extractor",
        description="Finds the tables in a PDF and returns them as rows of cells, one list per page.",
        tags=("pdf", "documents", "extraction"),
        category="Documents",
        versions=("1.0.0", "1.1.0"),
        code=(
            "def run(inputs):\n"
            '    pages = inputs.get("pages", [])\n'
            '    return {"tables": [p.split("\\n") for p in pages]}\n'
        ),
        capabilities={"shell": False, "autoRun": False},
    ),
    DemoPackage(
        name="slack-digest",
        title="Slack daily digest",
        description="Posts a digest of the day's workflow runs to a Slack channel.",
        tags=("slack", "notifications"),
        category="Notifications",
        versions=("2.0.0",),
        code=(
            "import httpx\n\n\ndef run(inputs, secrets):\n"
            '    httpx.post("https://slack.com/api/chat.postMessage",\n'
            '               headers={"Authorization": "Bearer " + secrets["SLACK_TOKEN"]},\n'
            '               json={"channel": inputs["channel"], "text": inputs["text"]})\n'
        ),
        capabilities={
            "shell": False,
            "autoRun": False,
            "network": {"egress": ["slack.com"]},
            "secrets": ["SLACK_TOKEN"],
        },
    ),
    DemoPackage(
        name="invoice-ocr",
        title="Invoice OCR",
        description="Reads supplier invoices (number, dates, totals, VAT lines) from scans and PDFs.",
        tags=("ocr", "finance", "documents"),
        category="Finance",
        versions=("1.0.0",),
        code=(
            "def run(inputs):\n"
            '    return {"fields": {"number": None, "total": None}, "source": inputs["file"]}\n'
        ),
        capabilities={"shell": False, "autoRun": False},
        pricing={"model": "MONTHLY", "amount": 1900, "currency": "EUR"},
    ),
    DemoPackage(
        name="db-backup",
        title="Nightly database backup",
        description="Dumps a PostgreSQL database every night and keeps the last seven dumps.",
        tags=("postgres", "backup", "ops"),
        category="Operations",
        versions=("0.9.0",),
        # runs a command without declaring the shell capability: a HIGH finding, two approvals needed
        code=(
            "import subprocess\n\n\ndef run(inputs):\n"
            '    subprocess.run(["pg_dump", inputs["database"]], check=True)\n'
        ),
        capabilities={"shell": False, "autoRun": False},
        approved=False,
    ),
)
ACME_PACKAGES = (
    DemoPackage(
        name="release-notes",
        title="Release notes from merged pull requests",
        description="Acme's internal workflow: groups the merged pull requests of a release by label.",
        tags=("release", "internal"),
        category="Developer tools",
        versions=("1.0.0",),
        code='def run(inputs):\n    return {"notes": sorted(inputs.get("pulls", []))}\n',
        capabilities={"shell": False, "autoRun": False},
        visibility="PRIVATE",
    ),
)


def wpk(package: DemoPackage, version: str) -> bytes:
    """A reproducible tar.gz WPK: the manifest and the entrypoint, fixed times and modes."""
    manifest = {
        "name": package.name,
        "version": version,
        "entrypoint": "main.py",
        "description": package.description,
        "capabilities": package.capabilities,
        "inputs": {"type": "object"},
        "outputs": {"type": "object"},
    }
    members = {
        "main.py": package.code.encode(),
        "wpk.yaml": yaml.safe_dump(manifest, sort_keys=False).encode(),
    }
    raw = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for name, data in sorted(members.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            archive.addfile(info, io.BytesIO(data))
    return raw.getvalue()


class _Api:
    """GraphQL over the app in-process; any error or userError stops the seed with the answer."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        api_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if api_key:
            headers["X-API-Key"] = api_key
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables or {}}, headers=headers
        )
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise DemoSeedError(f"{document.split('(')[0].strip()}: {response.status_code} {body}")
        (payload,) = body["data"].values()
        if isinstance(payload, dict) and payload.get("userErrors"):
            raise DemoSeedError(f"{document.split('(')[0].strip()}: {payload['userErrors']}")
        return payload  # type: ignore[no-any-return]

    async def log_in(self, email: str) -> str:
        payload = await self(
            "mutation LogIn($input: LogInInput!) { logIn(input: $input) { session { accessToken } "
            "userErrors { field message code } } }",
            {"input": {"email": email, "password": DEMO_PASSWORD}},
        )
        return str(payload["session"]["accessToken"])

    async def upload(self, token: str, filename: str, data: bytes) -> str:
        payload = await self(
            "mutation CreateUpload($input: CreateUploadInput!) { createUpload(input: $input) { "
            "upload { uploadId url method } userErrors { field message code } } }",
            {"input": {"filename": filename}},
            token=token,
        )
        url = payload["upload"]["url"]
        own = httpx.URL(url).host == self.http.base_url.host and "X-Amz-" not in url
        if own:  # this server's upload route: through the app in-process
            response = await self.http.put(httpx.URL(url).raw_path.decode(), content=data)
        else:  # object storage's presigned URL (MinIO in production)
            async with httpx.AsyncClient(timeout=60) as direct:
                response = await direct.put(url, content=data)
        if response.status_code != 200:
            raise DemoSeedError(f"upload of {filename}: {response.status_code} {response.text[:200]}")
        return str(payload["upload"]["uploadId"])


class _Publisher:
    def __init__(self, api: _Api, token: str) -> None:
        self.api, self.token = api, token
        self.key = ed25519.Ed25519PrivateKey.generate()

    async def register(self, namespace: str, display_name: str) -> None:
        await self.api(
            "mutation BecomePublisher($input: BecomePublisherInput!) { becomePublisher(input: $input) { "
            "publisher { id } userErrors { field message code } } }",
            {"input": {"namespace": namespace, "displayName": display_name}},
            token=self.token,
        )
        public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        await self.api(
            "mutation RegisterPublicKey($input: RegisterPublicKeyInput!) { "
            "registerPublicKey(input: $input) { "
            "signingIdentity { id } userErrors { field message code } } }",
            {"input": {"name": "release key", "publicKey": public_pem.decode()}},
            token=self.token,
        )

    async def publish(self, package: DemoPackage) -> tuple[str, list[str]]:
        """Create the package and publish its versions: (package id, version ids, oldest first)."""
        created = await self.api(
            "mutation CreatePackage($input: CreatePackageInput!) { createPackage(input: $input) { "
            "package { id } userErrors { field message code } } }",
            {
                "input": {
                    "name": package.name,
                    "title": package.title,
                    "description": package.description,
                    "tags": list(package.tags),
                    "categories": [package.category],
                    "visibility": package.visibility,
                    "license": "Apache-2.0",
                    **({"pricing": package.pricing} if package.pricing else {}),
                }
            },
            token=self.token,
        )
        package_id = str(created["package"]["id"])
        version_ids = []
        for version in package.versions:
            data = wpk(package, version)
            upload_id = await self.api.upload(self.token, f"{package.name}-{version}.tar.gz", data)
            # Ed25519 over the artifact's SHA-256 digest (the registered-key scheme)
            signature = base64.b64encode(self.key.sign(hashlib.sha256(data).digest())).decode()
            published = await self.api(
                "mutation PublishVersion($input: PublishVersionInput!) { publishVersion(input: $input) { "
                "version { id } userErrors { field message code } } }",
                {
                    "input": {
                        "packageId": package_id,
                        "uploadId": upload_id,
                        "signature": {"keySignature": signature},
                    }
                },
                token=self.token,
            )
            version_ids.append(str(published["version"]["id"]))
        return package_id, version_ids


async def _approve(api: _Api, token: str, version_id: str, reason: str) -> None:
    await api(
        "mutation ApproveVersion($input: ReviewInput!) { approveVersion(input: $input) { "
        "version { status } userErrors { field message code } } }",
        {"input": {"versionId": version_id, "reason": reason}},
        token=token,
    )


async def _install(api: _Api, token: str, package_id: str, version_id: str | None = None) -> None:
    await api(
        "mutation InstallPackage($input: InstallPackageInput!) { installPackage(input: $input) { "
        "install { id } userErrors { field message code } } }",
        {"input": {"packageId": package_id, "versionId": version_id}},
        token=token,
    )


async def seed_showcase(settings: Settings, *, api_key: str | None) -> DemoFiles:
    """Play the demo's history against a fresh Acme tenant (see the module's docstring)."""
    from server.app import build_runtime, create_app

    quiet = settings.model_copy(
        update={
            "audit_checkpoint_interval_seconds": 0,
            "billing_close_periods": False,
            "stripe_api_key": None,
        }
    )
    app = create_app(quiet)
    sessionmaker = app.state.sessionmaker
    http_log = logging.getLogger("httpx")
    http_level = http_log.level
    http_log.setLevel(logging.WARNING)  # not a line per in-process request
    try:
        async with app.router.lifespan_context(app):
            async with unit_of_work(sessionmaker) as session:
                await set_marketplace_reviewer(session, Principal.system(), slug=DEMO_ORG_SLUG, trusted=True)
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))
            async with httpx.AsyncClient(transport=transport, base_url=quiet.public_url, timeout=60) as http:
                acme_key = await _play(_Api(http), api_key)
            async with unit_of_work(sessionmaker) as session:
                # Acme's paid install has been running since the 10th of last month (only Acme's:
                # `atom seed --demo` may run on a database with other tenants)
                last_month = period_of(period_of(clock.now()).start - timedelta(days=1))
                acme = await get_organization_by_slug(session, DEMO_ORG_SLUG)
                assert acme is not None
                charges = select(PackageCharge).where(PackageCharge.organization_id == acme.id)
                for charge in await session.scalars(charges):
                    charge.started_at = last_month.start + timedelta(days=9)
            await close_ended_periods(sessionmaker, actor="system:demo")
            async with unit_of_work(sessionmaker) as session:
                await create_due(session, build_runtime(quiet).tokens.keyring, issuer=quiet.issuer)
    finally:
        http_log.setLevel(http_level)
    return _write_files(settings.home / "demo", acme_key)


def _write_files(directory: Path, key: ed25519.Ed25519PrivateKey) -> DemoFiles:
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / "acme-release-key.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    package = ACME_PACKAGES[0]
    next_version = directory / f"{package.name}-1.1.0.tar.gz"
    next_version.write_bytes(wpk(package, "1.1.0"))
    return DemoFiles(key_path, next_version)


async def _play(api: _Api, api_key: str | None) -> ed25519.Ed25519PrivateKey:
    """Everything done through the API; returns Acme's signing key."""
    signed_up = await api(
        "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { session { accessToken } "
        "userErrors { field message code } } }",
        {
            "input": {
                "email": PUBLISHER_OWNER,
                "password": DEMO_PASSWORD,
                "displayName": "Gil Obex",
                "organizationName": "Globex Labs",
                "organizationSlug": PUBLISHER_SLUG,
            }
        },
    )
    globex = _Publisher(api, str(signed_up["session"]["accessToken"]))
    await globex.register(PUBLISHER_SLUG, "Globex Labs")
    owner = await api.log_in("owner@acme.example")
    reviewer = await api.log_in("reviewer@acme.example")
    acme = _Publisher(api, owner)
    await acme.register("acme", "Acme Workflows")

    published: dict[str, tuple[str, list[str]]] = {}
    for package in GLOBEX_PACKAGES:
        published[package.name] = await globex.publish(package)
    for package in ACME_PACKAGES:
        published[package.name] = await acme.publish(package)
    for package in (*GLOBEX_PACKAGES, *ACME_PACKAGES):
        if package.approved:
            for version_id in published[package.name][1]:
                await _approve(api, reviewer, version_id, "Signature, manifest and findings checked.")

    pdf_id, pdf_versions = published["pdf-tables"]
    await _install(api, owner, pdf_id, pdf_versions[0])
    await _install(api, owner, pdf_id)  # the upgrade to the latest version
    await _install(api, owner, published["invoice-ocr"][0])
    await _install(api, owner, published["slack-digest"][0])

    create_budget = (
        "mutation CreateBudget($input: CreateBudgetInput!) { createBudget(input: $input) { "
        "budget { id } userErrors { field message code } } }"
    )
    await api(create_budget, {"input": {"name": "Monthly spend", "threshold": "6000"}}, token=owner)
    await api(
        create_budget,
        {"input": {"name": "Model tokens", "meter": "tokens", "threshold": "8000000"}},
        token=owner,
    )
    if api_key is not None:
        # today's batch from Acme's CI, through the demo API key: it takes the spend past €60
        now = clock.now().replace(microsecond=0)
        events = [
            {
                "meter": "tool_calls",
                "quantity": "150",
                "timestamp": now.isoformat(),  # (a minute earlier could be last month)
                "idempotencyKey": f"demo-ci-{now:%Y%m%d}",
            }
        ]
        await api(
            "mutation ReportUsage($input: ReportUsageInput!) { reportUsage(input: $input) { "
            "accepted userErrors { field message code } } }",
            {"input": {"events": events}},
            api_key=api_key,
        )
    return acme.key
