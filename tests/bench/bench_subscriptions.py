"""Delivery latency of one event to many subscribers of one server process.

Run: .venv/bin/python -m tests.bench.bench_subscriptions [--subscribers 1000] [--events 20]
         [--database-url URL]

One `atom serve` process on 127.0.0.1 (SQLite in a temporary home by default, or a fresh database
on the PostgreSQL server of --database-url, e.g. "$ATOM_TEST_DATABASE_URL"; there the events go
through LISTEN/NOTIFY). An owner signs up; `--subscribers` WebSocket connections (graphql-transport-ws,
this process, asyncio) each authenticate with the owner's token and subscribe to `auditEvents`.
Then, `--events` times, one mutation (`createRole`) is sent and the time from sending it to each
subscriber's receipt of its audit event is recorded. Prints p50/p99/max over all deliveries and the
p50 of the time to the last subscriber per event. The clients share this process, so the figures
include their own cost of decoding 1,000 messages. Not a test: no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.bench.bench_usage_ingest import postgres_database
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
SUBSCRIBE = 'subscription { auditEvents(filter: {action: "createRole"}) { sequence action } }'
SIGN_UP = """
mutation($input: SignUpInput!) { signUp(input: $input) { session { accessToken } userErrors { code } } }
"""
CREATE_ROLE = "mutation($input: CreateRoleInput!) { createRole(input: $input) { userErrors { code } } }"


def start_server(
    home: Path, database_url: str | None, subscribers: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "ATOM_HOME": str(home),
        "ATOM_SEED_DEMO_ON_FIRST_START": "false",
        "ATOM_BILLING_CLOSE_PERIODS": "false",
        "ATOM_AUDIT_CHECKPOINT_INTERVAL_SECONDS": "0",
        "ATOM_LOG_LEVEL": "WARNING",
        "ATOM_WS_MAX_CONNECTIONS_PER_CLIENT": str(subscribers + 10),
    }
    if database_url:
        env["ATOM_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/ready", timeout=1, trust_env=False).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not become ready")


async def subscriber(
    ws_url: str, token: str, ready: asyncio.Event, counter: list[int], total: int
) -> ClientConnection:
    connection = await connect(
        ws_url, subprotocols=[Subprotocol("graphql-transport-ws")], compression=None, open_timeout=60
    )
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await connection.recv())
    assert ack["type"] == "connection_ack", ack
    await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    counter[0] += 1
    if counter[0] == total:
        ready.set()
    return connection


async def receive(connection: ClientConnection, arrivals: dict[int, list[float]]) -> None:
    while True:
        message = json.loads(await connection.recv())
        if message.get("type") == "next":
            sequence = message["payload"]["data"]["auditEvents"]["sequence"]
            arrivals.setdefault(sequence, []).append(time.perf_counter())


async def run(args: argparse.Namespace) -> None:
    with contextlib.ExitStack() as stack:
        database_url = (
            stack.enter_context(postgres_database(args.database_url)) if args.database_url else None
        )
        await measure(args, database_url)


async def measure(args: argparse.Namespace, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as home:
        process, url = start_server(Path(home), database_url, args.subscribers)
        try:
            async with httpx.AsyncClient(base_url=url, timeout=60, trust_env=False) as http:
                signed = await http.post(
                    "/graphql",
                    json={
                        "query": SIGN_UP,
                        "variables": {
                            "input": {
                                "email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                                "password": "correct horse battery staple 42",
                                "organizationName": "Bench",
                                "organizationSlug": f"bench-{uuid.uuid4().hex[:8]}",
                            }
                        },
                    },
                )
                token = signed.json()["data"]["signUp"]["session"]["accessToken"]
                ws_url = url.replace("http://", "ws://") + "/graphql"
                ready, counter = asyncio.Event(), [0]
                connections = []
                for start in range(0, args.subscribers, 100):  # connect in waves, not a stampede
                    wave = [
                        subscriber(ws_url, token, ready, counter, args.subscribers)
                        for _ in range(start, min(args.subscribers, start + 100))
                    ]
                    connections += await asyncio.gather(*wave)
                await ready.wait()
                arrivals: dict[int, list[float]] = {}
                readers = [asyncio.create_task(receive(c, arrivals)) for c in connections]
                # Warm-up: until every subscription is on the server's bus, an event reaches only some.
                warm = 0
                while True:
                    warm += 1
                    await http.post(
                        "/graphql",
                        json={"query": CREATE_ROLE, "variables": {"input": {"name": f"warm{warm}"}}},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    await asyncio.sleep(0.5)
                    if arrivals and len(arrivals[max(arrivals)]) == args.subscribers:
                        break
                latencies: list[float] = []
                last: list[float] = []
                for index in range(args.events):
                    arrivals.clear()
                    sent = time.perf_counter()
                    await http.post(
                        "/graphql",
                        json={"query": CREATE_ROLE, "variables": {"input": {"name": f"role{index}"}}},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    for _ in range(600):
                        if arrivals and len(next(iter(arrivals.values()))) >= args.subscribers:
                            break
                        await asyncio.sleep(0.01)
                    times = next(iter(arrivals.values()), [])
                    latencies += [(t - sent) * 1000 for t in times]
                    if times:
                        last.append((max(times) - sent) * 1000)
                    await asyncio.sleep(0.2)
                for task in readers:
                    task.cancel()
                await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)
            quantiles = statistics.quantiles(latencies, n=100)
            backend = "PostgreSQL (LISTEN/NOTIFY)" if database_url else "SQLite (in-process)"
            print(f"{args.subscribers} subscribers, {args.events} events, {backend}")
            print(f"deliveries: {len(latencies)} of {args.subscribers * args.events}")
            print(
                f"latency ms: p50 {quantiles[49]:.1f}  p99 {quantiles[98]:.1f}  max {max(latencies):.1f}; "
                f"last subscriber per event p50 {statistics.median(last):.1f}"
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--database-url", default="")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
