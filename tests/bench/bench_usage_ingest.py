"""Usage ingestion throughput on PostgreSQL, through a real server and in the domain layer alone.

Run: .venv/bin/python -m tests.bench.bench_usage_ingest [--duration 30] [--batch 1000] [--clients 4]
         [--servers 1] [--orgs 4] [--mode http domain] [--preload N] [--budget] [--profile DIR]
         [--database-url URL]

Without --database-url a throwaway cluster is started with scripts/postgres.sh (and stopped at the
end); with one (e.g. "$ATOM_TEST_DATABASE_URL"), a fresh database is created on that server and
dropped at the end. Setup goes through GraphQL as a tenant's would: an operator makes a plan, each
organization signs up, subscribes and creates an API key with `usage:write`. `--preload N` (50,000)
COPYs N earlier events per organization into usage_events and ANALYZEs it (a table in use, with
statistics, rather than a new empty one); `--budget` gives each organization a budget on the meter.

http: `--servers` processes each run `atom serve` (uvicorn with uvloop and httptools; ATOM_ENV=
production: no GraphiQL, no introspection; period closing off) on 127.0.0.1. The clients (asyncio +
httpx in this process, one keep-alive connection each, client i on server i mod servers) send
`reportUsage` with `--batch` events per request and the API key in `X-API-Key`, for `--duration`
seconds after `--warmup` batches each.
domain: the same batches as `EventInput`s, straight into `service.report_usage` in a unit of work
per batch (no HTTP, GraphQL or authentication), `--clients` concurrent tasks in this process (its
heap frozen with gc.freeze() as the server's is).

Prints events/s, p50/p95/p99 batch latency, and the CPU each party used: in cores (CPU seconds per
wall second; `other` is everything else running on the machine, which should be ~0 for clean
figures) and in CPU ms per batch. With --profile DIR, pyinstrument samples the first server during
each http run and this process during each domain run, and writes .txt, .html and .pyisession
reports into DIR (`.venv/bin/pip install pyinstrument`; not a project dependency; profiled runs are
about twice as slow). The target (billing issue) is 20,000 events/s over HTTP with 1,000-event
batches. Not a test: no assertions; exits 1 when a batch was not accepted whole.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
POSTGRES_SH = REPO / "scripts" / "postgres.sh"
TARGET_EVENTS_PER_SECOND = 20_000

REPORT = (
    "mutation Report($input: ReportUsageInput!) "
    "{ reportUsage(input: $input) { accepted duplicates userErrors { field code } } }"
)
REPORT_JSON = json.dumps(REPORT)


# ---------------------------------------------------------------- PostgreSQL


@contextlib.contextmanager
def postgres_server(base_url: str | None) -> Iterator[str]:
    """`base_url`, or the URL of a throwaway cluster started with scripts/postgres.sh and stopped after."""
    if base_url is not None:
        yield base_url
        return
    started = subprocess.run(
        [str(POSTGRES_SH), "start"], capture_output=True, text=True, check=False, cwd=REPO
    )
    if started.returncode != 0:
        sys.stderr.write(started.stderr)
        raise SystemExit("scripts/postgres.sh start failed")
    exported = dict(re.findall(r"export (\w+)='([^']*)'", started.stdout))
    try:
        yield exported["ATOM_TEST_DATABASE_URL"]
    finally:
        subprocess.run([str(POSTGRES_SH), "stop", exported["ATOM_PG_DIR"]], check=False, cwd=REPO)


@contextlib.contextmanager
def postgres_database(base_url: str | None) -> Iterator[str]:
    """A fresh, migrated database on `base_url`'s server (or on a throwaway cluster), dropped after."""
    from server.migrate import upgrade
    from tests.conftest import _drop_postgres_database, _postgres_database

    with postgres_server(base_url) as base:
        url, name = _postgres_database(base)
        try:
            upgrade(url)
            yield url
        finally:
            _drop_postgres_database(base, name)


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(plain_url(url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# ---------------------------------------------------------------- CPU accounting (Linux /proc)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _machine_busy_seconds() -> float:
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_postmaster(database_url: str) -> int | None:
    """The pid of the postmaster serving `database_url`, when it runs on this machine and we may see it."""
    import psycopg

    try:
        with psycopg.connect(plain_url(database_url)) as conn:
            row = conn.execute("SHOW data_directory").fetchone()
        return int((Path(str(row[0])) / "postmaster.pid").read_text().split()[0]) if row else None
    except (psycopg.Error, OSError, ValueError):
        return None


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds used by this process, the server processes, our PostgreSQL cluster (postmaster and
    its children), and everything else on the machine (other work sharing the cores)."""

    def __init__(self, server_pids: list[int], postmaster: int | None) -> None:
        self.server_pids = server_pids
        self.postmaster = postmaster

    def sample(self) -> dict[str, float]:
        times = os.times()
        own = {
            "client": times.user + times.system,
            "server": sum(_cpu_seconds(pid) for pid in self.server_pids),
            # an exited backend takes its CPU with it; the pools here keep their connections
            "postgres": sum(
                _cpu_seconds(pid)
                for pid in ([self.postmaster, *_children(self.postmaster)] if self.postmaster else [])
            ),
        }
        return {**own, "other": _machine_busy_seconds() - sum(own.values())}


# ---------------------------------------------------------------- events


def batch_json(prefix: str, seq: int, size: int) -> bytes:
    """A `reportUsage` request body: `size` events on `tokens`, stamped now, each with one property."""
    stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    events = ",".join(
        f'{{"meter":"tokens","quantity":"{1 + (i * 7919) % 5000}.5","timestamp":"{stamp}",'
        f'"idempotencyKey":"{prefix}-{seq}-{i}","properties":{{"model":"m{i % 4}"}}}}'
        for i in range(size)
    )
    return f'{{"query":{REPORT_JSON},"variables":{{"input":{{"events":[{events}]}}}}}}'.encode()


def batch_inputs(prefix: str, seq: int, size: int) -> list[Any]:
    """The same batch as the domain layer receives it from the resolver."""
    from domain.billing.usage import EventInput

    stamp = datetime.now(UTC)
    return [
        EventInput(
            meter="tokens",
            quantity=Decimal(f"{1 + (i * 7919) % 5000}.5"),
            timestamp=stamp,
            idempotency_key=f"{prefix}-{seq}-{i}",
            properties={"model": f"m{i % 4}"},
        )
        for i in range(size)
    ]


def plain_url(database_url: str) -> str:
    """The URL for psycopg itself (no SQLAlchemy driver name)."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


COPY_COLUMNS = (
    "id",
    "organization_id",
    "meter_id",
    "idempotency_key",
    "content_hash",
    "quantity_micros",
    "timestamp",
    "properties",
    "reported_by",
    "received_at",
)


def copy_usage_events(database_url: str, rows: Iterable[tuple[Any, ...]], *, chunk: int = 20_000) -> int:
    """Bulk-load rows of `COPY_COLUMNS` into usage_events with COPY (setup only: no validation, no
    idempotency check), then ANALYZE the table as autovacuum would. Returns the number of rows."""
    import psycopg

    def field(value: Any) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":")).replace("\\", "\\\\")
        return str(value)

    count = 0
    with psycopg.connect(plain_url(database_url)) as conn:
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY usage_events ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy,
        ):
            lines: list[str] = []
            for row in rows:
                lines.append("\t".join(field(v) for v in row))
                if len(lines) >= chunk:
                    copy.write("\n".join(lines) + "\n")
                    count += len(lines)
                    lines.clear()
            if lines:
                copy.write("\n".join(lines) + "\n")
                count += len(lines)
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE usage_events")
    return count


def preload_rows(tenants: list[Tenant], per_org: int) -> Iterator[tuple[Any, ...]]:
    """`per_org` earlier events per organization on `tokens`, stamped over the last minute (after the
    subscriptions started), as ingestion would have stored them."""
    from domain.billing.models import MICROS
    from domain.billing.usage import content_hash

    meter_id = uuid.uuid5(uuid.NAMESPACE_URL, "atom-cloud:meter:tokens")  # the built-in meter's id
    now = datetime.now(UTC)
    for n, tenant in enumerate(tenants):
        for i in range(per_org):
            at = now - timedelta(microseconds=i * 10)
            micros = (1 + i % 5000) * MICROS
            properties = {"model": f"m{i % 4}"}
            yield (
                uuid.uuid4(),
                tenant.organization_id,
                meter_id,
                f"pre-{n}-{i}",
                content_hash("tokens", micros, at, properties),
                micros,
                at,
                properties,
                f"apikey:{tenant.api_key_id}",
                now,
            )


# ---------------------------------------------------------------- setup through GraphQL


@dataclass
class Tenant:
    organization_id: uuid.UUID
    api_key_id: uuid.UUID
    secret: str


async def make_tenants(base_url: str, database_url: str, count: int, *, budget: bool = False) -> list[Tenant]:
    """An operator with a plan pricing `tokens`, and `count` organizations on it with a usage key
    (and, with `budget`, a soft budget on `tokens` that the benchmark never reaches)."""
    from domain.auth.service import set_platform_operator
    from domain.db import make_engine, make_sessionmaker, unit_of_work
    from domain.principal import Principal
    from resolvers.ids import from_global_id
    from tests.billing import flow
    from tests.helpers import GraphQL, api_key, sign_up

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        gql = GraphQL(http)
        op = await sign_up(gql, prefix="operator")
        engine = make_engine(database_url)
        try:
            async with unit_of_work(make_sessionmaker(engine)) as session:
                await set_platform_operator(
                    session, Principal.system(), slug=op.organization_slug or "", operator=True
                )
        finally:
            await engine.dispose()
        plan = await flow.create_plan(gql, op, prices=[flow.per_unit("tokens", "0.002")])
        tenants = []
        for _ in range(count):
            owner = await sign_up(gql, prefix="customer")
            subscribed = await flow.subscribe(gql, owner, plan["key"])
            assert subscribed["userErrors"] == [], subscribed
            key_id, secret = await api_key(gql, owner, scopes=["usage:write"])
            if budget:
                made = await gql(
                    flow.CREATE_BUDGET,
                    {"input": {"name": "bench", "meter": "tokens", "threshold": "999999999999"}},
                    token=owner.access_token,
                )
                assert made["createBudget"]["userErrors"] == [], made
            assert owner.organization_id is not None
            org, key = from_global_id(owner.organization_id), from_global_id(key_id)
            assert org is not None and key is not None
            tenants.append(Tenant(org[1], key[1], secret))
    return tenants


# ---------------------------------------------------------------- servers


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path


def start_servers(database_url: str, count: int, home: Path, profile: Path | None) -> list[Server]:
    from domain.auth.secrets import MasterKey
    from tests.conftest import free_port

    master = MasterKey.generate_b64()  # one key for all replicas, as in production
    servers = []
    for index in range(count):
        port = free_port()
        env = {
            **os.environ,
            "ATOM_ENV": "production",
            "ATOM_MASTER_KEY": master,
            "ATOM_DATABASE_URL": database_url,
            "ATOM_HOME": str(home),
            "ATOM_HOST": "127.0.0.1",
            "ATOM_PORT": str(port),
            "ATOM_PUBLIC_URL": "http://bench.atom.test",  # one issuer for all replicas
            "ATOM_BILLING_CLOSE_PERIODS": "false",
        }
        command = [sys.executable, "-m", "tests.bench.bench_usage_ingest", "--serve-child"]
        if profile is not None and index == 0:
            command += ["--profile", str(profile)]
        log = home / f"server-{index}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(command, env=env, stdout=sink, stderr=sink, cwd=REPO)
        servers.append(Server(process, f"http://127.0.0.1:{port}", log))
    deadline = time.monotonic() + 60
    for server in servers:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/ready", timeout=2).status_code < 500:
                    break
            if server.process.poll() is not None or time.monotonic() > deadline:
                stop_servers(servers)
                raise SystemExit(f"server did not start:\n{server.log.read_text()[-3000:]}")
            time.sleep(0.2)
    return servers


def stop_servers(servers: list[Server]) -> None:
    for server in servers:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGINT)
    for server in servers:
        try:
            server.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def serve_child(profile: str | None) -> None:
    """`atom serve` itself (settings from ATOM_*). With a profile directory, pyinstrument samples the
    process between SIGUSR1 and SIGUSR2 (the measured window), one report per window."""
    from server.cli import main as atom

    if profile:
        from pyinstrument import Profiler

        windows = iter(range(1, 1000))
        current: list[Any] = []

        def begin(*_: object) -> None:
            profiler = Profiler(interval=0.001, async_mode="disabled")
            profiler.start()
            current.append(profiler)

        def end(*_: object) -> None:
            if current:
                profiler = current.pop()
                profiler.stop()
                write_profile(profiler, Path(profile), f"server-{next(windows)}")

        signal.signal(signal.SIGUSR1, begin)
        signal.signal(signal.SIGUSR2, end)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it handled
        atom(["serve"], standalone_mode=False)


def write_profile(profiler: Any, directory: Path, name: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    session = profiler.last_session
    session.save(str(directory / f"{name}.pyisession"))
    (directory / f"{name}.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    (directory / f"{name}.html").write_text(profiler.output_html())


# ---------------------------------------------------------------- measuring


@dataclass
class Result:
    mode: str
    clients: int
    batch: int
    seconds: float = 0.0
    events: int = 0
    latencies: list[float] = field(default_factory=list)  # ms per batch
    failures: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds during the run, per party

    def row(self) -> str:
        q = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else [0.0] * 99
        rate = self.events / self.seconds if self.seconds else 0.0
        batches = max(len(self.latencies), 1)
        cores = " ".join(
            f"{self.cpu.get(k, 0) / self.seconds:4.2f}" for k in ("client", "server", "postgres", "other")
        )
        per_batch = " ".join(f"{1000 * self.cpu.get(k, 0) / batches:5.0f}" for k in ("server", "postgres"))
        return (
            f"{self.mode:20} {self.clients:>7} {self.batch:>5} {len(self.latencies):>7} {self.events:>8} "
            f"{rate:>8,.0f} {q[49]:>7.1f} {q[94]:>7.1f} {q[98]:>7.1f}   {cores}   {per_batch}"
        )


HEADER = (
    f"{'mode':20} {'clients':>7} {'batch':>5} {'batches':>7} {'events':>8} "
    f"{'events/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}   "
    "cores: client server postgres other   CPU ms/batch: server postgres"
)


async def run_http(
    servers: list[Server],
    tenants: list[Tenant],
    postmaster: int | None,
    *,
    clients: int,
    batch: int,
    duration: float,
    warmup: int,
    profile: bool,
) -> Result:
    label = f"http {len(servers)} server{'s' * (len(servers) > 1)}" + (" (profiled)" if profile else "")
    result = Result(label, clients, batch)
    meter = CpuMeter([s.process.pid for s in servers], postmaster)
    run_tag = uuid.uuid4().hex[:6]
    start, warm = asyncio.Event(), asyncio.Event()
    ready = [0]
    stop_at = [0.0]

    async def client(index: int) -> None:
        tenant = tenants[index % len(tenants)]
        server = servers[index % len(servers)]
        prefix = f"{run_tag}-c{index}"
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        headers = {"X-API-Key": tenant.secret, "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=120) as http:
            seq = 0

            async def send(count: bool) -> None:
                nonlocal seq
                seq += 1
                body = batch_json(prefix, seq, batch)
                began = time.perf_counter()
                response = await http.post("/graphql", content=body, headers=headers)
                elapsed = (time.perf_counter() - began) * 1000
                payload = response.json()
                data = (payload.get("data") or {}).get("reportUsage") if response.status_code == 200 else None
                if not data or data["accepted"] != batch:
                    result.failures.append(str(payload)[:300])
                    return
                if count:
                    result.latencies.append(elapsed)
                    result.events += data["accepted"]

            for _ in range(warmup):
                await send(False)
            ready[0] += 1
            if ready[0] == clients:
                warm.set()
            await start.wait()
            while time.perf_counter() < stop_at[0]:
                await send(True)

    tasks = [asyncio.create_task(client(i)) for i in range(clients)]
    warmed = asyncio.create_task(warm.wait())
    await asyncio.wait([warmed, *tasks], return_when=asyncio.FIRST_COMPLETED)  # a failed client ends it too
    warmed.cancel()
    if profile:
        servers[0].process.send_signal(signal.SIGUSR1)
    before = meter.sample()
    began = time.perf_counter()
    stop_at[0] = began + duration
    start.set()
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - began
    after = meter.sample()
    if profile:
        servers[0].process.send_signal(signal.SIGUSR2)
    result.cpu = {k: after[k] - before[k] for k in before}
    return result


async def run_domain(
    database_url: str,
    tenants: list[Tenant],
    postmaster: int | None,
    *,
    clients: int,
    batch: int,
    duration: float,
    warmup: int,
    profile: Path | None,
) -> Result:
    """`service.report_usage` in a unit of work per batch, `clients` tasks at once, in this process."""
    from domain.billing import invoicing, service
    from domain.db import make_engine, make_sessionmaker, unit_of_work
    from domain.principal import Principal, PrincipalKind

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    result = Result("domain" + (" (profiled)" if profile else ""), clients, batch)
    meter = CpuMeter([], postmaster)
    run_tag = uuid.uuid4().hex[:6]
    building = [0.0]  # CPU spent making the EventInputs (the resolver's job, not the domain's)

    async def client(index: int, stop_at: float | None, batches: int) -> None:
        tenant = tenants[index % len(tenants)]
        principal = Principal(
            PrincipalKind.API_KEY,
            api_key_id=tenant.api_key_id,
            organization_id=tenant.organization_id,
            scopes=frozenset({"usage:write"}),
        )
        prefix = f"{run_tag}-d{index}-{'t' if stop_at else 'w'}"
        seq = 0
        while (stop_at is not None and time.perf_counter() < stop_at) or seq < batches:
            seq += 1
            cpu = time.process_time()
            events = batch_inputs(prefix, seq, batch)
            building[0] += time.process_time() - cpu
            began = time.perf_counter()
            async with unit_of_work(sessionmaker) as session:
                outcome = await service.report_usage(
                    session,
                    principal,
                    events=events,
                    max_future=timedelta(minutes=5),
                    amount_due=invoicing.amount_due,
                )
            elapsed = (time.perf_counter() - began) * 1000
            if outcome.accepted != batch:
                result.failures.append(f"accepted {outcome.accepted} of {batch}")
            elif stop_at is not None:
                result.latencies.append(elapsed)
                result.events += outcome.accepted

    try:
        await asyncio.gather(*(client(i, None, warmup) for i in range(clients)))
        # as the server does after startup (server/app.py): keep the long-lived heap out of collections
        gc.collect()
        gc.freeze()
        profiler = None
        if profile is not None:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001, async_mode="enabled")
            profiler.start()
        building[0] = 0.0
        before = meter.sample()
        began = time.perf_counter()
        await asyncio.gather(*(client(i, began + duration, 0) for i in range(clients)))
        result.seconds = time.perf_counter() - began
        after = meter.sample()
        if profiler is not None and profile is not None:
            profiler.stop()
            write_profile(profiler, profile, f"domain-{clients}")
        spent = {k: after[k] - before[k] for k in before}
        # the domain runs in this process: show it in the server column, the batch building in client
        result.cpu = {
            "client": building[0],
            "server": spent["client"] - building[0],
            "postgres": spent["postgres"],
            "other": spent["other"],
        }
    finally:
        await engine.dispose()
    return result


def machine() -> str:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model}), Python {sys.version.split()[0]}"


async def main_async(args: argparse.Namespace, database_url: str) -> int:
    with tempfile.TemporaryDirectory(prefix="atom-bench-ingest-") as home:
        return await _main(args, database_url, Path(home))


async def _main(args: argparse.Namespace, database_url: str, home: Path) -> int:
    print(f"machine: {machine()}; PostgreSQL {postgres_version(database_url)}")
    print(
        f"{args.batch} events per batch, {args.duration:.0f} s per run after {args.warmup} warm-up "
        f"batches per client"
    )
    servers = start_servers(database_url, args.servers, home, args.profile if "http" in args.mode else None)
    postmaster = postgres_postmaster(database_url)
    if postmaster is None:
        print("(PostgreSQL is not local or not visible: its CPU is counted as `other`)")
    results: list[Result] = []
    try:
        tenants = await make_tenants(servers[0].url, database_url, max(args.orgs, 1), budget=args.budget)
        if args.budget:
            print("each organization has a soft budget on `tokens`: every batch re-aggregates its period")
        if args.preload:
            began = time.perf_counter()
            loaded = copy_usage_events(database_url, preload_rows(tenants, args.preload))
            print(
                f"preloaded {loaded:,} events ({args.preload:,} per organization) in {time.perf_counter() - began:.0f} s, ANALYZEd"
            )
        print(HEADER)
        for clients in args.clients:
            for mode in args.mode:
                if mode == "http":
                    r = await run_http(
                        servers,
                        tenants,
                        postmaster,
                        profile=args.profile is not None,
                        clients=clients,
                        batch=args.batch,
                        duration=args.duration,
                        warmup=args.warmup,
                    )
                else:
                    r = await run_domain(
                        database_url,
                        tenants,
                        postmaster,
                        clients=clients,
                        batch=args.batch,
                        duration=args.duration,
                        warmup=args.warmup,
                        profile=args.profile,
                    )
                results.append(r)
                print(r.row(), flush=True)
                for failure in r.failures[:3]:
                    print(f"    failed: {failure}")
    finally:
        stop_servers(servers)
    best = max((r.events / r.seconds for r in results if r.mode.startswith("http") and r.seconds), default=0)
    if best:
        verdict = "met" if best >= TARGET_EVENTS_PER_SECOND else "MISSED"
        print(f"best over HTTP: {best:,.0f} events/s; target {TARGET_EVENTS_PER_SECOND:,}: {verdict}")
    if args.profile is not None:
        print(
            f"pyinstrument reports in {args.profile}/: server-N (first server, Nth http run), "
            "domain-C (domain run with C clients); .txt, .html and .pyisession"
        )
    return 1 if any(r.failures for r in results) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured per run (30)")
    parser.add_argument("--batch", type=int, default=1000, help="events per reportUsage (1000, the maximum)")
    parser.add_argument(
        "--clients",
        type=int,
        nargs="+",
        default=[4],
        help="concurrent connections; several values: one run each",
    )
    parser.add_argument(
        "--servers", type=int, default=1, help="server processes (replicas) for the http runs"
    )
    parser.add_argument(
        "--orgs", type=int, default=4, help="organizations reporting (client i uses org i mod orgs)"
    )
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured batches per client first")
    parser.add_argument("--mode", nargs="+", choices=["http", "domain"], default=["http", "domain"])
    parser.add_argument("--profile", type=Path, default=None, help="write pyinstrument reports here")
    parser.add_argument(
        "--preload",
        type=int,
        default=50_000,
        help="COPY this many earlier events per organization first, then ANALYZE (50000; 0: a new, empty table)",
    )
    parser.add_argument(
        "--budget",
        action="store_true",
        help="give each organization a budget on the meter (checked per batch)",
    )
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (default: start one)")
    parser.add_argument("--serve-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_child:
        serve_child(str(args.profile) if args.profile else None)
        return 0
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL")
    with postgres_database(args.database_url) as url:
        return asyncio.run(main_async(args, url))


if __name__ == "__main__":
    sys.exit(main())
