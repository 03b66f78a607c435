"""What the audit log costs: the entry each mutation writes, and verifying a long chain.

Run: .venv/bin/python -m tests.bench.bench_audit [--requests 400] [--entries 200000]
         [--backend sqlite postgres] [--database-url URL]

mutation: `createRole` through the whole stack in-process (ASGI), sequentially, as the owner of a
new organization, with the audit trail on and "off" (`resolvers.audit._record_mutation` replaced by
a no-op in this process, so nothing is queued and the commit hook has nothing to chain). The two
modes alternate in blocks of 50 requests so drift (a growing table, a warming cache) hits both alike.
Prints p50/p95 latency per mode and the difference.
verify: `--entries` entries appended to one chain with `domain.audit.entries.record`, 5,000 per
transaction (the write rate is printed too), then `domain.audit.verify.verify_chain` over the whole
chain, timed: entries/s (the audit issue's target is 100,000/s), plus a checkpoint signed at the
end so the Merkle root is checked as well.

SQLite uses a file in a temporary directory. PostgreSQL: a fresh database on `--database-url`'s
server, or on a throwaway cluster started with scripts/postgres.sh (and stopped at the end), as in
bench_usage_ingest. Not a test: no assertions; figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from server.settings import Settings
from tests.bench.bench_usage_ingest import postgres_database, postgres_version
from tests.conftest import make_settings
from tests.helpers import GraphQL, sign_up, unique

TARGET_VERIFY_PER_SECOND = 100_000
BATCH = 5_000
BLOCK = 50
CREATE_ROLE = "mutation CreateRole($input: CreateRoleInput!) { createRole(input: $input) { role { id } userErrors { code } } }"


def quantile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


@contextlib.contextmanager
def database(backend: str, base_url: str | None) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as home:
            from server.migrate import upgrade

            url = f"sqlite+aiosqlite:///{Path(home) / 'bench.db'}"
            upgrade(url)
            yield url
        return
    with postgres_database(base_url) as url:
        yield url


@contextlib.contextmanager
def audit_trail_off() -> Iterator[None]:
    import resolvers.audit

    original = resolvers.audit._record_mutation

    def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    resolvers.audit._record_mutation = nothing
    try:
        yield
    finally:
        resolvers.audit._record_mutation = original


async def mutation_latency(settings: Settings, requests: int) -> dict[str, list[float]]:
    from server.app import create_app

    app = create_app(settings)
    samples: dict[str, list[float]] = {"on": [], "off": []}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            gql = GraphQL(http)
            owner = await sign_up(gql, prefix="bench")

            async def one() -> float:
                started = time.perf_counter()
                await gql(CREATE_ROLE, {"input": {"name": unique("role")}}, token=owner.access_token)
                return (time.perf_counter() - started) * 1000

            for _ in range(BLOCK):  # warm-up, not counted
                await one()
            while len(samples["off"]) < requests:
                samples["on"] += [await one() for _ in range(BLOCK)]
                with audit_trail_off():
                    samples["off"] += [await one() for _ in range(BLOCK)]
    return samples


async def verify_speed(settings: Settings, count: int) -> dict[str, float]:
    from domain.audit import checkpoints, entries
    from domain.audit.verify import verify_chain
    from domain.db import make_engine, make_sessionmaker, unit_of_work
    from server.app import build_runtime

    organization = uuid.uuid4()  # audit rows name their organization; no foreign key to satisfy
    chain = entries.chain_of(organization)
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    try:
        started = time.perf_counter()
        for first in range(0, count, BATCH):
            async with unit_of_work(sessionmaker) as session:
                for i in range(first, min(first + BATCH, count)):
                    entries.record(
                        session,
                        organization_id=organization,
                        actor=f"user:{uuid.UUID(int=i % 50)}",
                        action=("createRole", "grantPermission", "createApiKey", "read:invoices")[i % 4],
                        decision="DENY" if i % 4 == 3 else "ALLOW",
                        outcome="DENIED" if i % 4 == 3 else "SUCCEEDED",
                        target=None,
                        reason="FORBIDDEN" if i % 4 == 3 else None,
                        request_id=f"bench-{i}",
                        client_address="127.0.0.1",
                        input_digest="ab" * 32,
                    )
        written = time.perf_counter() - started
        async with unit_of_work(sessionmaker) as session:
            runtime = build_runtime(settings)
            await runtime.tokens.keyring.ensure_active(session)
            await checkpoints.create(session, runtime.tokens.keyring, chain=chain, issuer=settings.issuer)
        async with sessionmaker() as session:
            started = time.perf_counter()
            report = await verify_chain(session, chain)
            verified = time.perf_counter() - started
        if not report.ok or report.entries_checked != count or report.checkpoints_checked != 1:
            raise SystemExit(f"verification did not pass: {report}")
    finally:
        await engine.dispose()
    return {"write": count / written, "verify": count / verified, "verify_seconds": verified}


async def run(backend: str, url: str, requests: int, count: int) -> None:
    name = "SQLite" if backend == "sqlite" else f"PostgreSQL {postgres_version(url)}"
    print(f"\n{name}")
    with tempfile.TemporaryDirectory() as home:
        settings = make_settings(url, Path(home))  # one master key for both parts
        samples = await mutation_latency(settings, requests)
        speed = await verify_speed(settings, count)
    on, off = samples["on"], samples["off"]
    p50_on, p50_off = statistics.median(on), statistics.median(off)
    p95_on, p95_off = quantile(on, 95), quantile(off, 95)
    print(f"  createRole, {len(on)} requests per mode, sequential, in-process (ASGI)")
    print(f"    {'':18} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"    {'audit trail on':18} {p50_on:8.2f} {p95_on:8.2f}")
    print(f"    {'audit trail off':18} {p50_off:8.2f} {p95_off:8.2f}")
    print(f"    {'cost of the entry':18} {p50_on - p50_off:8.2f} {p95_on - p95_off:8.2f}")
    print(f"  chain of {count:,} entries ({BATCH:,} per transaction)")
    print(f"    write  {speed['write']:>10,.0f} entries/s")
    print(
        f"    verify {speed['verify']:>10,.0f} entries/s ({speed['verify_seconds']:.2f} s; "
        f"target {TARGET_VERIFY_PER_SECOND:,}/s: {'met' if speed['verify'] >= TARGET_VERIFY_PER_SECOND else 'MISSED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="mutations per mode (400)")
    parser.add_argument(
        "--entries", type=int, default=200_000, help="entries in the verified chain (200,000)"
    )
    parser.add_argument(
        "--backend", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (default: start one)")
    args = parser.parse_args()
    for backend in args.backend:
        with database(backend, args.database_url) as url:
            asyncio.run(run(backend, url, args.requests, args.entries))


if __name__ == "__main__":
    main()
