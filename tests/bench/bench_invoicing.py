"""Time and memory of closing a billing period (`close_ended_periods`) on PostgreSQL as events grow.

1,000 organizations over 100,000 to 1,000,000 usage events by default.

Run: .venv/bin/python -m tests.bench.bench_invoicing [--orgs 1000] [--events 100000 300000 1000000]
         [--database-url URL]

Without --database-url a throwaway cluster is started with scripts/postgres.sh (and stopped at the
end); with one, each event count gets a fresh database on that server, dropped afterwards. Each event
count runs in a fresh interpreter, so one measurement cannot inherit another's heap.

Setup (not measured): an operator organization and a plan (a monthly fee; `tokens` per unit with an
included quantity, `tool_calls` graduated, `job_minutes` volume) made with `service.create_plan`;
`--orgs` organizations subscribed with `service.subscribe` on the second day of a past month (the
clock frozen there); then `--events` usage events spread evenly over the organizations, over four
meters (one not on the plan) and over the rest of that month, bulk-loaded with COPY in the columns of
`UsageEvent`, and the table ANALYZEd.

Measured, with the clock frozen an hour after that month ended:
1. `close_ended_periods(sessionmaker)`, as the server's hourly job and `atom billing close-periods`
   run it: wall time, and the growth of peak resident memory (VmHWM, reset through
   /proc/self/clear_refs) over the resident set just before it.
2. The invoices are deleted again (SQL: invoices with their lines, their outbox rows, the accounts'
   sequence) and `close_ended_periods` runs again under tracemalloc: the peak of Python allocations
   above what was allocated before it, and what is still allocated after it (a leak would stay).
The time of the first scan (`ended_periods_to_invoice`, read-only) is shown apart. Memory should not
grow with the event count: every aggregate is computed by the database. Not a test: prints the
figures; exits 1 when an organization was not invoiced.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.bench.bench_usage_ingest import (
    REPO,
    copy_usage_events,
    machine,
    plain_url,
    postgres_database,
    postgres_server,
    postgres_version,
)

PLAN_KEY = "bench-team"
METERS = ("tokens", "tool_calls", "job_minutes", "egress_gb")  # egress_gb is not on the plan


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current VmRSS
    except OSError:
        return False
    return True


def past_period() -> Any:
    """A calendar month that ended more than a month ago."""
    from domain.billing.periods import period_of

    current = period_of(datetime.now(UTC))
    return period_of(current.start - timedelta(days=40))


async def setup(database_url: str, orgs: int, period: Any) -> tuple[list[uuid.UUID], dict[str, uuid.UUID]]:
    """The plan and `orgs` subscribed organizations, through the billing services."""
    from sqlalchemy import select

    from domain.auth.models import Organization
    from domain.billing import rating, service
    from domain.billing.models import Meter
    from domain.clock import clock
    from domain.db import make_engine, make_sessionmaker, unit_of_work
    from domain.principal import Principal

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    clock.freeze(period.start + timedelta(days=1))
    try:
        async with unit_of_work(sessionmaker) as session:
            operator = Organization(
                slug="bench-operator", name="Operator", created_at=clock.now(), platform_operator=True
            )
            session.add(operator)
            await session.flush()
            tiers = (
                rating.Tier(Decimal(100), unit_amount=Decimal(50)),
                rating.Tier(None, unit_amount=Decimal(20)),
            )
            volume = (
                rating.Tier(Decimal(1000), unit_amount=Decimal(3)),
                rating.Tier(None, unit_amount=Decimal(2)),
            )
            await service.create_plan(
                session,
                Principal.system(organization_id=operator.id),
                key=PLAN_KEY,
                name="Team",
                currency="EUR",
                monthly_fee=2900,
                prices=[
                    service.PriceInput(
                        "tokens",
                        rating.PriceSpec(
                            rating.PriceModel.PER_UNIT,
                            unit_amount=Decimal("0.002"),
                            included_quantity=Decimal(1000),
                        ),
                    ),
                    service.PriceInput(
                        "tool_calls", rating.PriceSpec(rating.PriceModel.GRADUATED, tiers=tiers)
                    ),
                    service.PriceInput(
                        "job_minutes", rating.PriceSpec(rating.PriceModel.VOLUME, tiers=volume)
                    ),
                ],
            )
            meters = {m.key: m.id for m in await session.scalars(select(Meter).where(Meter.key.in_(METERS)))}
        ids: list[uuid.UUID] = []
        for first in range(0, orgs, 250):
            async with unit_of_work(sessionmaker) as session:
                batch = [
                    Organization(slug=f"bench-{n:05d}", name=f"Customer {n}", created_at=clock.now())
                    for n in range(first, min(first + 250, orgs))
                ]
                session.add_all(batch)
                await session.flush()
                for org in batch:
                    await service.subscribe(
                        session, Principal.system(organization_id=org.id), plan_key=PLAN_KEY
                    )
                ids.extend(org.id for org in batch)
    finally:
        clock.unfreeze()
        await engine.dispose()
    return ids, meters


def event_rows(
    organizations: list[uuid.UUID], meters: dict[str, uuid.UUID], events: int, period: Any
) -> Iterator[tuple[Any, ...]]:
    """`events` stored events, round-robin over organizations and meters, spread over the month after
    the subscriptions started, with the content hash ingestion would have computed."""
    from domain.billing.models import MICROS
    from domain.billing.usage import content_hash

    start = period.start + timedelta(days=1, hours=1)
    span = int((period.end - start).total_seconds() * 1_000_000) - 1
    received = period.end - timedelta(minutes=1)
    for i in range(events):
        organization = organizations[i % len(organizations)]
        meter = METERS[(i // len(organizations)) % len(METERS)]
        at = start + timedelta(microseconds=(i * 7_919_993) % span)
        micros = (1 + (i * 31) % 997) * MICROS // 4  # quarters: 0.25 to 249.25
        properties = {"model": f"m{i % 3}"}
        yield (
            uuid.uuid4(),
            organization,
            meters[meter],
            f"evt-{i}",
            content_hash(meter, micros, at, properties),
            micros,
            at,
            properties,
            "apikey:bench",
            received,
        )


def reset_invoices(database_url: str) -> None:
    """Undo what closing did, so that it can run again (bench only)."""
    import psycopg

    with psycopg.connect(plain_url(database_url), autocommit=True) as conn:
        conn.execute("DELETE FROM invoices")  # lines go with them (ON DELETE CASCADE)
        conn.execute("DELETE FROM billing_outbox WHERE kind = 'INVOICE'")
        conn.execute("UPDATE billing_accounts SET last_invoice_sequence = 0")


async def close(database_url: str, period: Any) -> tuple[list[Any], float]:
    from domain.billing.invoicing import close_ended_periods
    from domain.clock import clock
    from domain.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    clock.freeze(period.end + timedelta(hours=1))
    try:
        began = time.perf_counter()
        made = await close_ended_periods(make_sessionmaker(engine))
        return made, time.perf_counter() - began
    finally:
        clock.unfreeze()
        await engine.dispose()


async def scan(database_url: str, period: Any) -> tuple[int, float]:
    from domain.billing.invoicing import ended_periods_to_invoice
    from domain.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        began = time.perf_counter()
        async with make_sessionmaker(engine)() as session:
            due = [item async for item in ended_periods_to_invoice(session, period.end + timedelta(hours=1))]
        return len(due), time.perf_counter() - began
    finally:
        await engine.dispose()


def measure(base_url: str, orgs: int, events: int) -> dict[str, Any]:
    period = past_period()
    with postgres_database(base_url) as url:
        began = time.perf_counter()
        organizations, meters = asyncio.run(setup(url, orgs, period))
        loaded = copy_usage_events(url, event_rows(organizations, meters, events, period))
        setup_seconds = time.perf_counter() - began

        due, scan_seconds = asyncio.run(scan(url, period))

        # 1. time and resident memory
        gc.collect()
        before = _status_kb("VmRSS")
        exact = _reset_peak()
        made, seconds = asyncio.run(close(url, period))
        rss_growth = (_status_kb("VmHWM") - before) / 1024
        lines = asyncio.run(_line_count(url))
        total = sum(invoice.total for invoice in made)
        invoiced = len(made)
        del made

        # 2. Python allocations, closing the same period again
        reset_invoices(url)
        gc.collect()
        tracemalloc.start()
        traced_before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        again, traced_seconds = asyncio.run(close(url, period))
        traced_after_run, traced_peak = tracemalloc.get_traced_memory()
        count_again = len(again)
        del again
        gc.collect()
        traced_after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "orgs": orgs,
        "events": loaded,
        "period": period.key,
        "setup_s": setup_seconds,
        "due": due,
        "scan_s": scan_seconds,
        "invoiced": invoiced,
        "invoiced_again": count_again,
        "lines": lines,
        "total_minor": total,
        "seconds": seconds,
        "rss_before_mb": before / 1024,
        "rss_growth_mb": rss_growth,
        "peak_reset": exact,
        "traced_seconds": traced_seconds,
        "traced_peak_mb": (traced_peak - traced_before) / 2**20,
        "traced_kept_mb": (traced_after - traced_before) / 2**20,
        "traced_kept_before_gc_mb": (traced_after_run - traced_before) / 2**20,
    }


async def _line_count(database_url: str) -> int:
    from sqlalchemy import func, select

    from domain.billing.models import InvoiceLine
    from domain.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(InvoiceLine)) or 0)
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1000, help="organizations to invoice (1000)")
    parser.add_argument(
        "--events",
        type=int,
        nargs="+",
        default=[100_000, 300_000, 1_000_000],
        help="usage events; one run each",
    )
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (default: start one)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure(args.database_url, args.orgs, args.events[0])))
        return 0

    failed = False
    with postgres_server(args.database_url) as base:
        print(f"machine: {machine()}; PostgreSQL {postgres_version(base)}")
        print(
            f"{'orgs':>5} {'events':>9} {'ev/org':>6} {'setup':>6} {'scan':>6} {'close':>7} {'ms/org':>7} "
            f"{'invoices':>8} {'lines':>6} {'RSS before':>10} {'+RSS peak':>9} "
            f"{'traced peak':>11} {'kept':>6} {'close (traced)':>14}"
        )
        for events in args.events:
            command = [
                sys.executable,
                "-m",
                "tests.bench.bench_invoicing",
                "--child",
                "--orgs",
                str(args.orgs),
            ]
            command += ["--events", str(events), "--database-url", base]
            child = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
            if child.returncode != 0:
                print(f"{args.orgs:>5} {events:>9} FAILED\n{child.stderr[-3000:]}")
                failed = True
                continue
            r = json.loads(child.stdout.strip().splitlines()[-1])
            ok = r["invoiced"] == r["invoiced_again"] == r["due"] == args.orgs
            failed |= not ok
            print(
                f"{r['orgs']:>5} {r['events']:>9,} {r['events'] // r['orgs']:>6} {r['setup_s']:>5.0f}s "
                f"{r['scan_s']:>5.1f}s {r['seconds']:>6.1f}s {1000 * r['seconds'] / r['orgs']:>7.1f} "
                f"{r['invoiced']:>8} {r['lines']:>6} {r['rss_before_mb']:>8.1f}MB {r['rss_growth_mb']:>7.1f}MB "
                f"{r['traced_peak_mb']:>9.2f}MB {r['traced_kept_mb']:>4.2f}MB {r['traced_seconds']:>13.1f}s"
                + (
                    ""
                    if ok
                    else f"  NOT ALL INVOICED (due {r['due']}, made {r['invoiced']}/{r['invoiced_again']})"
                )
                + ("" if r["peak_reset"] else "  (VmHWM could not be reset: growth is an upper bound)")
            )
        print(
            "close: close_ended_periods wall time (one transaction per organization); +RSS peak: VmHWM "
            "during it minus VmRSS before; traced peak/kept: tracemalloc during/after a second close"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
