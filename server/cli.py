"""`atom`: serve, migrate, seed, export the schema, rotate keys."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click

from server.settings import Settings, get_settings

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


@click.group()
def main() -> None:
    """ATOM Cloud control plane."""


@main.command()
def migrate() -> None:
    """Apply the database migrations (Alembic) up to head."""
    from server.migrate import upgrade

    settings = get_settings()
    settings.ensure_home()
    upgrade(settings.database_url)
    click.echo("migrations at head")


async def _seed(settings: Settings, *, only_if_empty: bool) -> None:
    from domain import demo
    from domain.auth.policies import PolicyEngine
    from domain.db import make_engine, make_sessionmaker, unit_of_work
    from server.app import build_runtime

    engine = make_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            if only_if_empty and not await demo.is_empty(session):
                return
            await build_runtime(settings).tokens.keyring.ensure_active(session)
            credentials = await demo.seed_demo(session, PolicyEngine())
    finally:
        await engine.dispose()
    if credentials is None:
        click.echo(f"demo organization '{demo.DEMO_ORG_SLUG}' exists already")
        return
    from server.demo import PUBLISHER_OWNER, PUBLISHER_SLUG, seed_showcase

    files = await seed_showcase(settings, api_key=credentials.api_key)
    click.echo("")
    click.echo(f"Demo data created in organization '{credentials.organization_slug}'.")
    click.echo(f"  Log in as any of these users with password: {credentials.password}")
    for email, role in credentials.users:
        click.echo(f"    {email:24} ({role})")
    click.echo(f"  Demo API key (shown once): {credentials.api_key}")
    click.echo(
        f"  Publisher organization '{PUBLISHER_SLUG}' (its packages are in the marketplace): "
        f"{PUBLISHER_OWNER}"
    )
    click.echo(f"  To publish from the Launchpad: {files.next_version} signed with {files.signing_key}")
    click.echo(
        f'  Try: mutation {{ logIn(input: {{email: "{credentials.users[0][0]}", '
        f'password: "{credentials.password}"}}) {{ session {{ accessToken }} }} }}'
    )
    click.echo("")


@main.command()
@click.option("--demo", is_flag=True, required=True, help="Create the demo organization, users and API key.")
def seed(demo: bool) -> None:
    """Create demo data."""
    settings = get_settings()
    settings.ensure_home()
    from server.migrate import upgrade

    upgrade(settings.database_url)
    asyncio.run(_seed(settings, only_if_empty=False))


@main.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1, ATOM_HOST).")
@click.option("--port", default=None, type=int, help="Port (default 8000, ATOM_PORT).")
def serve(host: str | None, port: int | None) -> None:
    """Apply migrations, seed demo data on the first start of an empty embedded database, and serve."""
    import uvicorn

    from server.app import create_app
    from server.logs import configure_logging
    from server.migrate import upgrade
    from server.serving import uvicorn_config

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = get_settings(**overrides)
    settings.ensure_home()
    configure_logging(settings.log_level)
    upgrade(settings.database_url)
    if (
        settings.seed_demo_on_first_start
        and settings.database_url.startswith("sqlite")
        and not settings.production
    ):
        asyncio.run(_seed(settings, only_if_empty=True))
    click.echo(f"ATOM Cloud on {settings.public_url}/graphql")
    uvicorn.Server(uvicorn_config(create_app(settings), settings)).run()


@main.group()
def schema() -> None:
    """The exported GraphQL contract."""


@schema.command("export")
@click.option("--check", is_flag=True, help="Fail if schema/schema.graphql differs from the code.")
@click.option("--output", type=click.Path(path_type=Path), default=SCHEMA_FILE)
def schema_export(check: bool, output: Path) -> None:
    """Write the SDL to schema/schema.graphql."""
    from schema import export_sdl

    sdl = export_sdl()
    if check:
        if not output.exists() or output.read_text() != sdl:
            click.echo(f"{output} is out of date: run `atom schema export`", err=True)
            sys.exit(1)
        click.echo(f"{output} is current")
        return
    output.write_text(sdl)
    click.echo(f"wrote {output}")


@schema.command("changes")
@click.option(
    "--against",
    type=click.Path(path_type=Path, exists=True),
    help="An SDL file (default: the latest release).",
)
@click.option("--schema-file", type=click.Path(path_type=Path, exists=True), default=SCHEMA_FILE)
@click.option("--changelog", type=click.Path(path_type=Path), default=None)
def schema_changes(against: Path | None, schema_file: Path, changelog: Path | None) -> None:
    """Classify the changes since the latest release (breaking, dangerous, safe); fail on a breaking
    change that docs/CHANGELOG.md does not record under `## Unreleased`."""
    from server import schema_releases as releases

    if against is None:
        latest = releases.latest_release()
        if latest is None:
            click.echo("no release in schema/releases yet: nothing to compare")
            return
        label, against = latest
    else:
        label = str(against)
    old, new = against.read_text(), schema_file.read_text()
    found = releases.changes(old, new)
    click.echo(f"changes since {label}: {releases.classify(found, changed=old != new)}")
    for change in found:
        click.echo(f"  {change.kind} {change.type}: {change.description}")
    log = changelog or releases.CHANGELOG
    missing = releases.unrecorded(found, log.read_text() if log.exists() else "")
    if missing:
        click.echo(f"breaking changes not recorded under '{releases.UNRELEASED}' in {log}:", err=True)
        for change in missing:
            click.echo(f"  - {change.description}", err=True)
        sys.exit(1)


@schema.command("release")
@click.argument("version")
def schema_release(version: str) -> None:
    """Keep the committed SDL as release VERSION (schema/releases) and date the changelog."""
    from server import schema_releases as releases

    try:
        target = releases.release(version, SCHEMA_FILE.read_text())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {target}; docs/CHANGELOG.md dated {version}")


@main.group()
def sdk() -> None:
    """The Python and TypeScript SDKs generated from the schema (sdk-gen/)."""


@sdk.command("generate")
@click.option("--python/--no-python", default=True, help="Regenerate the Python SDK (ariadne-codegen).")
@click.option("--typescript/--no-typescript", default=True, help="Regenerate the TypeScript SDK.")
def sdk_generate(python: bool, typescript: bool) -> None:
    """Write sdk-gen/schema.graphql from the committed SDL and regenerate both SDKs from sdk-gen/."""
    from server import sdk as sdks

    try:
        sdks.generate(python=python, typescript=typescript)
    except sdks.SdkError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("regenerated sdk-gen/schema.graphql, clients/python and clients/typescript")


@sdk.command("check")
def sdk_check() -> None:
    """Fail when an operation does not validate, a public root field has no operation, or regenerating
    the SDKs would change a committed file."""
    from server import sdk as sdks

    found = sdks.check_operations(SCHEMA_FILE.read_text())
    if found:
        click.echo("sdk-gen/operations:", err=True)
        for problem in found:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    try:
        differing = sdks.drift()
    except sdks.SdkError as exc:
        raise click.ClickException(str(exc)) from exc
    if differing:
        click.echo("the SDKs are out of date: run `atom sdk generate`. Differing:", err=True)
        for name in differing:
            click.echo(f"  {name}", err=True)
        sys.exit(1)
    click.echo("operations valid, every public root field covered, SDKs current")


def _audit(
    session: Any, action: str, *, target: tuple[str, Any] | None = None, reason: str | None = None
) -> None:
    """A platform-chain audit entry for a change made with the CLI (actor `system`)."""
    from domain.audit import entries
    from domain.ids import to_global_id

    entries.record(
        session,
        organization_id=None,
        actor="system",
        action=action,
        target=to_global_id(*target) if target else None,
        reason=reason,
        request_id="cli",
    )


@main.group()
def orgs() -> None:
    """Platform operator actions on organizations."""


async def _set_flag(slug: str, flag: str, value: bool) -> None:
    from domain.auth.service import set_marketplace_reviewer, set_platform_operator
    from domain.db import make_engine, make_sessionmaker, unit_of_work
    from domain.principal import Principal

    engine = make_engine(get_settings().database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            if flag == "marketplace_reviewer":
                org = await set_marketplace_reviewer(session, Principal.system(), slug=slug, trusted=value)
            else:
                org = await set_platform_operator(session, Principal.system(), slug=slug, operator=value)
            _audit(
                session, f"organizations.set{flag.title().replace('_', '')}", target=("Organization", org.id)
            )
    finally:
        await engine.dispose()


@orgs.command("trust-reviewer")
@click.argument("slug")
@click.option("--revoke", is_flag=True, help="Stop trusting the organization's reviewers.")
def orgs_trust_reviewer(slug: str, revoke: bool) -> None:
    """Let SLUG's reviewers review other organizations' public packages."""
    asyncio.run(_set_flag(slug, "marketplace_reviewer", not revoke))
    click.echo(f"{slug}: marketplace reviewer {'revoked' if revoke else 'trusted'}")


@orgs.command("platform-operator")
@click.argument("slug")
@click.option("--revoke", is_flag=True, help="Take the operator role away again.")
def orgs_platform_operator(slug: str, revoke: bool) -> None:
    """Let SLUG's billing members manage meters, plans and invoices and read platform revenue."""
    asyncio.run(_set_flag(slug, "platform_operator", not revoke))
    click.echo(f"{slug}: platform operator {'revoked' if revoke else 'granted'}")


@main.group()
def billing() -> None:
    """Billing: close ended periods, push to Stripe."""


async def _close_periods() -> int:
    from domain.billing.invoicing import close_ended_periods
    from domain.db import make_engine, make_sessionmaker

    engine = make_engine(get_settings().database_url)
    try:
        made = await close_ended_periods(make_sessionmaker(engine))
    finally:
        await engine.dispose()
    for invoice in made:
        click.echo(f"finalized {invoice.number}: {invoice.total} {invoice.currency}")
    return len(made)


@billing.command("close-periods")
def billing_close_periods() -> None:
    """Finalize the invoice of every ended period that has none yet (the server does this hourly)."""
    count = asyncio.run(_close_periods())
    click.echo(f"{count} invoice(s) finalized")


@main.group()
def keys() -> None:
    """JWT signing keys (P-8)."""


async def _keys(rotate: bool) -> None:
    from domain.db import make_engine, make_sessionmaker, unit_of_work
    from server.app import build_runtime

    settings = get_settings()
    engine = make_engine(settings.database_url)
    keyring = build_runtime(settings).tokens.keyring
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            if rotate:
                new_key, retired = await keyring.rotate(session)
                _audit(session, "signingKeys.rotate", reason=f"kid={new_key.kid}")
                click.echo(f"new signing key {new_key.kid}")
                for key in retired:
                    click.echo(f"retired {key.kid}")
            else:
                await keyring.retire_expired(session)
            from domain.auth.repository import signing_keys_unretired

            for key in await signing_keys_unretired(session):
                state = (
                    "signing"
                    if key.superseded_at is None
                    else f"verifying (superseded {key.superseded_at:%Y-%m-%d %H:%M})"
                )
                click.echo(f"{key.kid}  {key.algorithm}  created {key.created_at:%Y-%m-%d %H:%M}  {state}")
    finally:
        await engine.dispose()


@keys.command("rotate")
def keys_rotate() -> None:
    """Add a new signing key; older keys verify until their tokens expire, then retire."""
    asyncio.run(_keys(rotate=True))


@keys.command("list")
def keys_list() -> None:
    """List the signing keys in the JWKS (retiring those past their overlap)."""
    asyncio.run(_keys(rotate=False))


@main.group()
def audit() -> None:
    """The audit log: verify chains, sign checkpoints."""


async def _audit_verify(slug: str | None, platform: bool) -> bool:
    from sqlalchemy import select

    from domain.audit.entries import PLATFORM, chain_of
    from domain.audit.models import AuditChain
    from domain.audit.verify import verify_chain
    from domain.auth.models import Organization
    from domain.db import make_engine, make_sessionmaker

    engine = make_engine(get_settings().database_url)
    ok = True
    try:
        async with make_sessionmaker(engine)() as session:
            if slug is not None:
                org = (await session.execute(select(Organization).where(Organization.slug == slug))).scalar()
                if org is None:
                    raise click.ClickException(f"no organization {slug!r}")
                chains = [chain_of(org.id)]
            elif platform:
                chains = [PLATFORM]
            else:
                chains = list(
                    (await session.execute(select(AuditChain.chain).order_by(AuditChain.chain))).scalars()
                )
            for chain in chains:
                report = await verify_chain(session, chain)
                problem = report.first_problem
                status = (
                    "ok"
                    if problem is None
                    else f"BROKEN {problem.kind} at {problem.sequence}: {problem.detail}"
                )
                click.echo(
                    f"{chain}: {report.entries_checked} entries, "
                    f"{report.checkpoints_checked} checkpoints, {status}"
                )
                ok = ok and problem is None
    finally:
        await engine.dispose()
    return ok


@audit.command("verify")
@click.option("--org", "slug", help="Only this organization's chain.")
@click.option("--platform", is_flag=True, help="Only the platform chain.")
def audit_verify(slug: str | None, platform: bool) -> None:
    """Recompute every entry hash, link and checkpoint; exit 1 at the first broken chain."""
    if not asyncio.run(_audit_verify(slug, platform)):
        sys.exit(1)


async def _audit_checkpoint() -> None:
    from domain.audit.checkpoints import create_due
    from domain.db import make_engine, make_sessionmaker, unit_of_work
    from server.app import build_runtime

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        async with unit_of_work(make_sessionmaker(engine)) as session:
            made = await create_due(session, build_runtime(settings).tokens.keyring, issuer=settings.issuer)
            for checkpoint in made:
                click.echo(f"{checkpoint.chain}: size {checkpoint.size} root {checkpoint.root_hash}")
    finally:
        await engine.dispose()


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of every chain that grew since its last one (the server does this hourly)."""
    asyncio.run(_audit_checkpoint())


if __name__ == "__main__":
    main()
