"""Latency of typical authenticated GraphQL operations through the whole stack, in-process (ASGI).

Run: .venv/bin/python -m tests.bench.bench_graphql [--requests 300] [--database-url URL]
Prints p50/p95/p99 per operation; figures go to docs/performance.md. Not a test: no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from server.migrate import upgrade
from tests.conftest import make_settings
from tests.helpers import GraphQL, api_key, member_with_role, sign_up

OPERATIONS = {
    "viewer": "query Viewer { viewer { user { email } organization { slug } permissions } }",
    "members(50)": "query Members { viewer { organization { members(first: 50) { totalCount nodes { roles user { email } } } } } }",
    "authorize": None,  # filled in with a subject id
    "createApiKey": None,
}


async def run(requests: int, database_url: str | None) -> None:
    from server.app import create_app

    home = Path(tempfile.mkdtemp())
    url = database_url or f"sqlite+aiosqlite:///{home / 'bench.db'}"
    upgrade(url)
    app = create_app(make_settings(url, home))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            gql = GraphQL(http)
            owner = await sign_up(gql)
            for role in ["developer", "viewer", "reviewer", "billing"] * 12:
                await member_with_role(gql, owner, role)
            key_id, _ = await api_key(gql, owner, scopes=["packages:read"])
            documents = dict(OPERATIONS)
            documents["authorize"] = (
                f'query Authorize {{ authorize(subjectId: "{key_id}", resource: "packages", action: "read") {{ allowed }} }}'
            )
            documents["createApiKey"] = (
                'mutation CreateKey { createApiKey(input: {name: "bench", scopes: ["packages:read"]}) '
                "{ apiKey { id } userErrors { code } } }"
            )
            print(f"database: {url.split('://')[0]}, {requests} requests per operation, sequential")
            for name, document in documents.items():
                assert document is not None
                samples = []
                for _ in range(requests):
                    started = time.perf_counter()
                    await gql(document, token=owner.access_token)
                    samples.append((time.perf_counter() - started) * 1000)
                samples.sort()
                q = statistics.quantiles(samples, n=100)
                print(f"{name:14} p50 {q[49]:6.2f} ms   p95 {q[94]:6.2f} ms   p99 {q[98]:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.database_url))


if __name__ == "__main__":
    main()
