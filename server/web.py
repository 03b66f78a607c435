"""The Launchpad (web/, built to web/dist by scripts/web.sh) at `/`: its files, and index.html for any
other page a browser asks for, so client-side routes survive a reload. Registered after every other
route, so `/graphql`, `/health`, `/audit/export` and the rest are never shadowed."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

log = logging.getLogger(__name__)

# Paths of the server's own routes: never answered with the Launchpad, even when nothing matched there.
SERVER_PREFIXES = (
    "graphql",
    "health",
    "ready",
    "metrics",
    ".well-known/",
    "audit/",
    "webhooks/",
    "artifacts/",
    "uploads/",
    "static/",
    "openapi.json",
)
# Vite names these by content hash: a changed file is a new URL.
IMMUTABLE = "public, max-age=31536000, immutable"
# index.html names the current hashes: always revalidated.
NO_CACHE = "no-cache"

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ATOM Cloud</title></head>
<body><main>
<h1>The Launchpad is not built</h1>
<p>This server serves the Launchpad from <code>{dist}</code>, which has no <code>index.html</code>.
Build it with <code>scripts/web.sh build</code>
(or start the server with <code>make run</code>, which does).</p>
<p>The API is at <a href="/graphql">/graphql</a>.</p>
</main></body></html>
"""


def _is_server_path(path: str) -> bool:
    """`graphql` is the route and what is under it; `audit/` only what is under it (the Launchpad has
    an /audit page, the server an /audit/export)."""
    return any(
        path.startswith(prefix) if prefix.endswith("/") else path == prefix or path.startswith(f"{prefix}/")
        for prefix in SERVER_PREFIXES
    )


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "*/*" in accept or accept == ""


class LaunchpadRoute(Route):
    """Matches GET and HEAD outside the server's own paths only: anything else finds no route here, so
    an unknown POST stays a 404 and a GET of a POST-only route stays a 405, as without the Launchpad."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return Match.NONE, {}
        if _is_server_path(scope["path"].lstrip("/")):
            return Match.NONE, {}
        return super().matches(scope)


def mount_launchpad(app: FastAPI, dist: Path) -> None:
    """Serve `dist` at `/`. Call after every other route is registered."""
    root = dist.resolve()
    index = root / "index.html"
    if index.is_file():
        log.info("Launchpad served from %s", root)
    else:
        log.warning("Launchpad not built (%s has no index.html): run scripts/web.sh build", root)

    async def launchpad(request: Request) -> Response:
        path = str(request.path_params["path"])
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                hashed = candidate.is_relative_to(root / "assets")
                return FileResponse(candidate, headers={"Cache-Control": IMMUTABLE if hashed else NO_CACHE})
            # A missing asset is a 404, not the page: a stale index.html must not get HTML for its scripts.
            if path.startswith("assets/") or not _wants_html(request):
                return Response(status_code=404)
        if not index.is_file():
            page = NOT_BUILT.format(dist=root)
            return HTMLResponse(page, status_code=503, headers={"Cache-Control": NO_CACHE})
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": NO_CACHE})

    app.router.routes.append(LaunchpadRoute("/{path:path}", launchpad, methods=["GET", "HEAD"]))
