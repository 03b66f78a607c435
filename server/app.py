"""The FastAPI application: wires settings, database, key ring, schema and routes together."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import ClientDisconnect

from domain.audit.checkpoints import create_due as create_due_checkpoints
from domain.auth.issuers import IssuerKeyPolicy, IssuerKeys
from domain.auth.keys import KeyRing
from domain.auth.policies import PolicyEngine
from domain.auth.tokens import VERIFICATION_LEEWAY, TokenService, TokenSettings
from domain.billing.invoicing import close_ended_periods
from domain.billing.stripe_sync import StripeGateway, sync_forever
from domain.db import make_engine, make_sessionmaker, unit_of_work
from domain.marketplace.analysis import load_rules
from domain.marketplace.archive import ArchiveLimits
from domain.marketplace.service import PublishConfig, collect_garbage
from domain.storage import make_storage
from resolvers.context import BillingRuntime, MarketplaceRuntime, Runtime
from schema import SchemaOptions, build_schema
from server.artifacts import router as artifact_routes
from server.audit_routes import router as audit_routes
from server.events import event_transport
from server.graphql import HTTPGraphQLError, graphql_router, http_error_handler
from server.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from server.routes import router as routes
from server.settings import Settings
from server.web import mount_launchpad
from server.webhooks import router as webhook_routes

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("atom.server")


def schema_options(settings: Settings) -> SchemaOptions:
    return SchemaOptions(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_directives=settings.max_directives,
        max_tokens=settings.max_tokens,
        introspection=settings.introspection_enabled,
        field_suggestions=settings.field_suggestions_enabled,
        batching_max_operations=settings.batching_max_operations,
        parser_cache_size=settings.parser_cache_size,
        validation_cache_size=settings.validation_cache_size,
    )


def build_marketplace(settings: Settings) -> MarketplaceRuntime:
    return MarketplaceRuntime(
        storage=make_storage(settings.storage_config),
        publish=PublishConfig(
            rules=load_rules(), limits=ArchiveLimits(), sigstore_trust=settings.sigstore_trust
        ),
        max_upload_bytes=settings.max_upload_bytes,
        public_url=settings.public_url,
        download_secret=settings.master.derive("artifact-downloads"),
    )


def build_runtime(settings: Settings) -> Runtime:
    # A superseded key verifies until the last token it signed has expired, leeway included.
    keyring = KeyRing(settings.master, token_lifetime=settings.access_token_ttl + VERIFICATION_LEEWAY)
    tokens = TokenService(
        keyring,
        TokenSettings(
            issuer=settings.issuer,
            audience=settings.audience,
            access_token_ttl=settings.access_token_ttl,
            refresh_token_ttl=settings.refresh_token_ttl,
        ),
    )
    return Runtime(
        tokens=tokens,
        policy_engine=PolicyEngine(),
        max_page_size=settings.max_page_size,
        marketplace=build_marketplace(settings),
        billing=BillingRuntime(
            publisher_share_bps=settings.billing_publisher_share_bps,
            usage_max_future=timedelta(seconds=settings.usage_max_future_seconds),
        ),
        issuer_keys=IssuerKeys(
            IssuerKeyPolicy(
                fetch_timeout_seconds=settings.trusted_issuer_fetch_timeout_seconds,
                cache_seconds=settings.trusted_issuer_jwks_cache_seconds,
                refresh_interval_seconds=settings.trusted_issuer_refresh_interval_seconds,
                allow_private_addresses=settings.trusted_issuer_urls.allow_private_addresses,
            )
        ),
        trusted_issuer_urls=settings.trusted_issuer_urls,
    )


UPLOAD_GC_INTERVAL_SECONDS = 600
SHUTDOWN_GRACE_SECONDS = 5.0


async def _collect_uploads_forever(sessionmaker: async_sessionmaker[AsyncSession], runtime: Runtime) -> None:
    """Every few minutes, delete expired uploads that never became versions (bytes first)."""
    while True:
        await asyncio.sleep(UPLOAD_GC_INTERVAL_SECONDS)
        try:
            async with unit_of_work(sessionmaker) as session:
                removed = await collect_garbage(session, runtime.marketplace.storage)
            if removed:
                log.info("collected %d expired uploads", removed)
        except Exception:  # the next round tries again; a replica must not die of it
            log.exception("upload garbage collection failed")


PERIOD_CLOSE_INTERVAL_SECONDS = 3600


async def _close_periods_forever(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Every hour, finalize the invoices of ended periods (each once: the database refuses a second)."""
    while True:
        try:
            made = await close_ended_periods(sessionmaker)
            if made:
                log.info("finalized %d invoices of ended periods", len(made))
        except Exception:  # the next round tries again
            log.exception("closing ended billing periods failed")
        await asyncio.sleep(PERIOD_CLOSE_INTERVAL_SECONDS)


async def _checkpoint_forever(
    sessionmaker: async_sessionmaker[AsyncSession], runtime: Runtime, *, interval: int, issuer: str
) -> None:
    """Sign a checkpoint of every audit chain that grew, every `interval` seconds."""
    while True:
        await asyncio.sleep(interval)
        try:
            async with unit_of_work(sessionmaker) as session:
                made = await create_due_checkpoints(session, runtime.tokens.keyring, issuer=issuer)
            if made:
                log.info("signed %d audit checkpoints", len(made))
        except Exception:  # the next round tries again
            log.exception("signing audit checkpoints failed")


def stripe_gateway(settings: Settings) -> StripeGateway | None:
    """The Stripe gateway, when an API key is set (otherwise nothing is sent to Stripe)."""
    if settings.stripe_api_key is None or not settings.stripe_api_key.get_secret_value():
        return None
    return StripeGateway(settings.stripe_api_key.get_secret_value(), api_base=settings.stripe_api_base)


def client_disconnected(request: Request, _: Exception) -> Response:
    """The client went away before its body arrived (a closed tab, an aborted upload): nobody is left
    to answer, so no error is logged; the request counts as 499 (nginx's "client closed request")."""
    log.info("client disconnected before its request body arrived", extra={"path": request.url.path})
    return Response(status_code=499)


def create_app(settings: Settings) -> FastAPI:
    settings.ensure_home()
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    runtime = build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Committed events reach subscribers on every replica through this transport.
        async with event_transport(settings), running(app):
            yield

    @asynccontextmanager
    async def running(app: FastAPI) -> AsyncIterator[None]:
        async with unit_of_work(sessionmaker) as session:
            await runtime.tokens.keyring.ensure_active(session)
        collector = asyncio.create_task(_collect_uploads_forever(sessionmaker, runtime))
        background = [collector]
        if settings.audit_checkpoint_interval_seconds > 0:
            signing = _checkpoint_forever(
                sessionmaker,
                runtime,
                interval=settings.audit_checkpoint_interval_seconds,
                issuer=settings.issuer,
            )
            background.append(asyncio.create_task(signing))
        if settings.billing_close_periods:
            background.append(asyncio.create_task(_close_periods_forever(sessionmaker)))
        gateway = stripe_gateway(settings)
        if gateway is not None:  # the outbox's only sender; finalizing never waits on Stripe
            interval = settings.stripe_sync_interval_seconds
            syncing = sync_forever(sessionmaker, gateway, interval_seconds=interval)
            background.append(asyncio.create_task(syncing))
        # Everything built so far (schema, ORM, libraries) lives as long as the process: keep it
        # out of the collector's generations, so full collections stay short (see performance.md).
        gc.collect()
        gc.freeze()
        yield
        for task in background:
            task.cancel()
        # A task cancelled mid-statement lets the statement finish first (SerialSession shields it);
        # shutdown waits for that a bounded time, never forever.
        _, stuck = await asyncio.wait(background, timeout=SHUTDOWN_GRACE_SECONDS)
        if stuck:
            log.warning("%d background task(s) still finishing at shutdown", len(stuck))
        if gateway is not None:
            await gateway.aclose()
        await engine.dispose()

    app = FastAPI(
        title="ATOM Cloud",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None if settings.production else "/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.runtime = runtime
    app.add_exception_handler(HTTPGraphQLError, http_error_handler)
    app.add_exception_handler(ClientDisconnect, client_disconnected)
    app.include_router(routes)
    app.include_router(artifact_routes)
    app.include_router(webhook_routes)
    app.include_router(audit_routes)
    app.include_router(
        graphql_router(build_schema(schema_options(settings)), graphiql=settings.graphiql_enabled)
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    mount_launchpad(app, settings.launchpad_dist)  # last: its catch-all must not shadow the routes above
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        per_path={"/uploads/": settings.max_upload_bytes},
        multipart_max_bytes=settings.max_upload_bytes + 1024 * 1024,  # the file plus its form fields
    )
    app.add_middleware(RequestContextMiddleware)
    return app
