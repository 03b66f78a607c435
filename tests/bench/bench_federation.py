"""Latency of the federation paths through the whole stack, in-process (ASGI): `_entities` with a
hundred Package representations (what a gateway sends for a partner's list), and a request with a
trusted issuer's token (JWKS cached) beside the same request with our own token.

Run: .venv/bin/python -m tests.bench.bench_federation [--requests 200] [--database-url URL]
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
from tests.auth.oidc import identity_provider, trust
from tests.conftest import make_settings
from tests.helpers import GraphQL
from tests.marketplace import flow

ENTITIES = (
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on Package "
    "{ id fullName title visibility publisher { namespace } } } }"
)
VIEWER = "query Viewer { viewer { organization { slug } permissions } }"


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
            pub = await flow.publisher(gql)
            ids = [await flow.create_package(gql, pub, f"pkg-{i}") for i in range(100)]
            representations = [{"__typename": "Package", "id": i} for i in ids]
            with identity_provider() as provider:
                await trust(gql, pub.account, provider)
                external = provider.token(lifetime=3600)
                cases = {
                    "_entities(100 Package)": (ENTITIES, {"r": representations}, pub.account.access_token),
                    "viewer, own token": (VIEWER, None, pub.account.access_token),
                    "viewer, trusted issuer": (VIEWER, None, external),
                }
                print(f"database: {url.split('://')[0]}, {requests} requests per operation, sequential")
                for name, (document, variables, token) in cases.items():
                    samples = []
                    for _ in range(requests):
                        started = time.perf_counter()
                        await gql(document, variables, token=token)
                        samples.append((time.perf_counter() - started) * 1000)
                    q = statistics.quantiles(sorted(samples), n=100)
                    print(f"{name:24} p50 {q[49]:6.2f} ms   p95 {q[94]:6.2f} ms   p99 {q[98]:6.2f} ms")
                print(f"JWKS fetched {provider.jwks_requests} time(s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.database_url))


if __name__ == "__main__":
    main()
