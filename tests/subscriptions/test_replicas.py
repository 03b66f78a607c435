"""Fan-out across replicas: two `atom serve` processes on one PostgreSQL database. A subscriber on
one receives what is changed on the other (PostgreSQL LISTEN/NOTIFY), and only what it may see."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from server.settings import Settings
from tests.conftest import free_port
from tests.helpers import GraphQL, sign_up
from tests.subscriptions.client import TRANSPORT_WS, Client

AUDIT_EVENTS = "subscription { auditEvents { action actor chain decision sequence entryHash } }"
CREATE_ROLE = """
mutation($input: CreateRoleInput!) { createRole(input: $input) { role { name } userErrors { code } } }
"""


LAST_SEQUENCE = "{ auditLog(last: 1) { nodes { sequence } } }"


@dataclass
class Replica:
    url: str
    process: subprocess.Popen[bytes]


def _start(settings: Settings, home: Path) -> Replica:
    port = free_port()
    assert settings.master_key is not None
    env = {
        **os.environ,
        "ATOM_DATABASE_URL": settings.database_url,
        "ATOM_HOME": str(home),
        "ATOM_MASTER_KEY": settings.master_key.get_secret_value(),
        "ATOM_ISSUER": settings.issuer,
        "ATOM_SEED_DEMO_ON_FIRST_START": "false",
        "ATOM_BILLING_CLOSE_PERIODS": "false",
        "ATOM_AUDIT_CHECKPOINT_INTERVAL_SECONDS": "0",
        "ATOM_LOG_LEVEL": "WARNING",
        "ATOM_STORAGE_BACKEND": "local",
        "ATOM_STORAGE_PATH": str(home / "objects"),
    }
    command = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"replica exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"{url}/ready", timeout=1, trust_env=False).status_code == 200:
                return Replica(url, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("replica did not become ready")


@pytest.fixture
def replicas(settings: Settings, is_postgres: bool, tmp_path: Path) -> Iterator[tuple[Replica, Replica]]:
    if not is_postgres:
        pytest.skip("fan-out across replicas is PostgreSQL LISTEN/NOTIFY")
    started = [_start(settings, tmp_path / "a"), _start(settings, tmp_path / "b")]
    try:
        yield started[0], started[1]
    finally:
        for replica in started:
            replica.process.terminate()
        for replica in started:
            try:
                replica.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                replica.process.kill()


async def test_an_event_committed_on_one_replica_reaches_a_subscriber_on_the_other(
    replicas: tuple[Replica, Replica],
) -> None:
    a, b = replicas
    async with (
        httpx.AsyncClient(base_url=b.url, timeout=30, trust_env=False) as http_b,
        httpx.AsyncClient(base_url=a.url, timeout=30, trust_env=False) as http_a,
    ):
        gql_b, gql_a = GraphQL(http_b), GraphQL(http_a)
        owner = await sign_up(gql_b, prefix="replica")
        stranger = await sign_up(gql_a, prefix="stranger")
        ws = a.url.replace("http://", "ws://") + "/graphql"
        async with (
            connect(ws, subprotocols=[Subprotocol(TRANSPORT_WS)], compression=None) as mine,
            connect(ws, subprotocols=[Subprotocol(TRANSPORT_WS)], compression=None) as theirs,
        ):
            watcher, other = Client(mine, TRANSPORT_WS), Client(theirs, TRANSPORT_WS)
            for client, account in ((watcher, owner), (other, stranger)):
                ack = await client.init({"authorization": f"Bearer {account.access_token}"})
                assert ack["type"] == "connection_ack", ack
                await client.subscribe("audit", AUDIT_EVENTS)
            # Replica A's process is not this one: a subscription is on its bus once a first event
            # reaches it. Change things on B until one does (each change is an audit entry).
            name = "replicated"
            for attempt in range(50):
                made = await gql_b(
                    CREATE_ROLE,
                    {"input": {"name": f"{name}{attempt}", "permissions": ["organization:read"]}},
                    token=owner.access_token,
                )
                assert made["createRole"]["userErrors"] == []
                try:
                    first = await asyncio.wait_for(watcher.data("audit"), 0.5)
                    break
                except TimeoutError:
                    continue
            else:
                raise AssertionError("no event reached the other replica")
            entry = first["auditEvents"]
            assert entry["action"] == "createRole" and entry["decision"] == "ALLOW"
            assert entry["chain"].startswith("org:")
            # The next change arrives too, after those before it; the stranger's stream saw nothing.
            await gql_b(
                CREATE_ROLE,
                {"input": {"name": "after", "permissions": ["organization:read"]}},
                token=owner.access_token,
            )
            last = await gql_b(LAST_SEQUENCE, token=owner.access_token)
            wanted = last["auditLog"]["nodes"][0]["sequence"]
            seen = [entry["sequence"]]
            while seen[-1] < wanted:
                seen.append((await watcher.data("audit"))["auditEvents"]["sequence"])
            assert seen == sorted(seen) and seen[-1] == wanted
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(other.message_for("audit"), 1.0)
