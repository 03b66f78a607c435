"""The Python SDK against a live server, over real HTTP and WebSocket: the marketplace, usage and audit
journeys with the async and the sync client, typed errors, token refresh and API keys."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import queue
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from atom_sdk import (
    AsyncAtomClient,
    AtomClient,
    AuthErrorCode,
    BadUserInput,
    BillingErrorCode,
    Forbidden,
    MarketplaceErrorCode,
    NotFound,
    SubscriptionClosed,
    TokenAuth,
    Tokens,
    Unauthenticated,
    UsageRejected,
    UserErrorsError,
    VersionStatus,
    paginate_async,
    public_key_pem,
    raise_for_user_errors,
)
from atom_sdk.auth import REFRESH_TOKEN_DOCUMENT
from atom_sdk.generated import aio, sync
from atom_sdk.live import AUDIT_EVENTS_DOCUMENT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from graphql import build_schema, parse, validate

from domain.events.bus import bus
from server.settings import Settings
from tests.conftest import LiveServer, make_settings, start_live_server
from tests.helpers import PASSWORD, unique
from tests.marketplace.wpk_builder import build_wpk, default_manifest
from tests.sdk.conftest import ROOT, platform_operator, trust_reviewer

T = TypeVar("T")
WAIT = 15.0  # only ends a hang


def email() -> str:
    return f"{unique('sdk')}@example.com"


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on a loop of its own (for the sync tests, whatever loop pytest keeps)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def until_subscribed(before: int) -> None:
    """Wait until the server (in this process) has one more stream on its event bus: the protocol says
    nothing when a subscription starts, and entries committed before that are not delivered."""
    deadline = time.monotonic() + WAIT
    while bus.hub.subscribers <= before:
        assert time.monotonic() < deadline, "the subscription never started"
        time.sleep(0.01)


async def until_subscribed_async(before: int) -> None:
    deadline = time.monotonic() + WAIT
    while bus.hub.subscribers <= before:
        assert time.monotonic() < deadline, "the subscription never started"
        await asyncio.sleep(0.01)


@pytest.fixture(scope="module")
def url(sdk_server: LiveServer) -> str:
    return sdk_server.url


def make_plan(url: str, settings: Settings) -> str:
    """A plan made by a new platform operator; returns its key."""
    slug = unique("operator")
    with AtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Operator", organization_slug=slug
    ) as op:
        run_async(platform_operator(settings, slug))
        key = unique("plan")
        created = op.create_plan(
            input=sync.CreatePlanInput(
                key=key,
                name="Team",
                currency="EUR",
                monthly_fee=0,
                prices=[
                    sync.MeterPriceInput(
                        meter="tokens", model=sync.PriceModel.PER_UNIT, unit_amount=Decimal("0.002")
                    ),
                    sync.MeterPriceInput(
                        meter="tool_calls", model=sync.PriceModel.PER_UNIT, unit_amount=Decimal("1")
                    ),
                ],
            )
        )
        raise_for_user_errors(created.create_plan)
    return key


@pytest.fixture(scope="module")
def plan(url: str, settings: Settings) -> str:
    """The key of a plan for the organizations that report usage."""
    return make_plan(url, settings)


def artifact(directory: Path, name: str, version: str) -> Path:
    return build_wpk(directory / f"{name}-{version}.tar.gz", manifest=default_manifest(name, version))


# ------------------------------------------------------------------------------------------ async


async def test_async_journey(url: str, settings: Settings, plan: str, tmp_path: Path) -> None:
    # A publisher signs up, registers an Ed25519 key and creates two packages.
    publisher = await AsyncAtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Pub", organization_slug=unique("pub")
    )
    namespace, tag = unique("ns"), unique("tag")
    raise_for_user_errors(
        (
            await publisher.become_publisher(
                input=aio.BecomePublisherInput(namespace=namespace, display_name="P")
            )
        ).become_publisher
    )
    key = ed25519.Ed25519PrivateKey.generate()
    raise_for_user_errors(
        (
            await publisher.register_public_key(
                input=aio.RegisterPublicKeyInput(name="ci", public_key=public_key_pem(key))
            )
        ).register_public_key
    )
    for name in ("hello", "world"):
        created = await publisher.create_package(
            input=aio.CreatePackageInput(name=name, title=f"The {name} workflow", tags=[tag])
        )
        raise_for_user_errors(created.create_package)

    # Published both ways: presigned upload (by full name) and one multipart request (by ID).
    hello = await publisher.publish_wpk(
        artifact(tmp_path, "hello", "1.0.0"), package=f"{namespace}/hello", signing_key=key
    )
    world_id = await publisher.package_id(f"{namespace}/world")
    world = await publisher.publish_wpk(
        artifact(tmp_path, "world", "1.0.0"), package_id=world_id, signing_key=key, via="multipart"
    )
    for version in (hello, world):
        assert version.status is VersionStatus.SUBMITTED
        assert version.verification.method == "KEY"
    assert world.package is not None and world.package.id == world_id

    # Typed userErrors: a bad name, a signature by a key that is not registered.
    with pytest.raises(UserErrorsError) as bad_name:
        raise_for_user_errors(
            (
                await publisher.create_package(input=aio.CreatePackageInput(name="Not A Name!", title="x"))
            ).create_package
        )
    assert (bad_name.value.code, bad_name.value.field) == (MarketplaceErrorCode.INVALID_PACKAGE_NAME, "name")
    with pytest.raises(UserErrorsError) as unsigned:
        await publisher.publish_wpk(
            artifact(tmp_path, "hello", "2.0.0"),
            package=f"{namespace}/hello",
            signing_key=ed25519.Ed25519PrivateKey.generate(),
        )
    assert (unsigned.value.code, unsigned.value.field) == (
        MarketplaceErrorCode.SIGNATURE_INVALID,
        "signature",
    )

    # A trusted reviewer of another organization approves both (starting the review itself); the
    # publisher's live `packageStatus` stream sees it.
    reviewer_slug = unique("reviewer")
    reviewer = await AsyncAtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Reviews", organization_slug=reviewer_slug
    )
    await trust_reviewer(settings, reviewer_slug)

    async def published() -> aio.PackageStatus:
        async for change in publisher.package_status(package_id=world_id):
            if change.package_status.to_status is VersionStatus.PUBLISHED:
                return change
        raise AssertionError("the stream ended")

    before = bus.hub.subscribers
    watcher = asyncio.create_task(published())
    await until_subscribed_async(before)
    approved = [await reviewer.approve(version.id, reason="Looks right.") for version in (hello, world)]
    assert [v.status for v in approved] == [VersionStatus.PUBLISHED] * 2
    change = (await asyncio.wait_for(watcher, WAIT)).package_status
    assert (change.version_id, change.from_status) == (world.id, VersionStatus.APPROVED)

    # The catalog, one package per page.
    listed = [p.full_name async for p in publisher.list_marketplace(tags=[tag], page_size=1)]
    assert sorted(listed) == [f"{namespace}/hello", f"{namespace}/world"]

    # A third account logs in, subscribes to a plan, installs and reports usage.
    consumer_email, consumer_slug = email(), unique("consumer")
    await (
        await AsyncAtomClient.sign_up(
            url, consumer_email, PASSWORD, organization_name="Consumer", organization_slug=consumer_slug
        )
    ).close()
    async with await AsyncAtomClient.log_in(url, consumer_email, PASSWORD, consumer_slug) as consumer:
        assert consumer.session is not None and consumer.session.organization is not None
        assert consumer.session.organization.slug == consumer_slug
        install = await consumer.install(f"{namespace}/hello")
        assert install.active and install.package is not None and install.version is not None
        assert (install.package.full_name, install.version.version) == (f"{namespace}/hello", "1.0.0")

        raise_for_user_errors((await consumer.subscribe(input=aio.SubscribeInput(plan=plan))).subscribe)
        events: list[dict[str, Any] | aio.UsageEventInput] = [
            {"meter": "tokens", "quantity": 1250, "properties": {"model": "small"}},
            aio.UsageEventInput(
                meter="tool_calls",
                quantity=Decimal(3),
                timestamp=datetime.now(UTC),
                idempotency_key=unique("run"),
            ),
        ]
        report = await consumer.report_usage(events)
        assert (report.accepted, report.duplicates) == (2, 0)
        assert all(event.idempotency_key for event in report.events)
        resent = await consumer.report_usage(report.events)
        assert (resent.accepted, resent.duplicates) == (0, 2)
        with pytest.raises(UserErrorsError) as refused:
            await consumer.report_usage(
                [{"meter": "tokens", "quantity": 1}, {"meter": "no-such-meter", "quantity": 1}]
            )
        assert refused.value.code is BillingErrorCode.UNKNOWN_METER
        assert refused.value.field is not None and refused.value.field.startswith("events[1]")

        # The audit stream delivers the entry of a change made after subscribing; the access token
        # is about to expire, so the SDK refreshes it before `connection_init`.
        assert isinstance(consumer.auth, TokenAuth)
        consumer.auth.tokens = replace(consumer.auth.tokens, expires_at=datetime.now(UTC))
        refreshes = consumer.auth.refreshes

        async def first_entry() -> aio.AuditEntryFields:
            async for entry in consumer.stream_audit({"action": "createApiKey"}):
                return entry
            raise AssertionError("the stream ended")

        before = bus.hub.subscribers
        watcher_entry = asyncio.create_task(first_entry())
        await until_subscribed_async(before)
        assert consumer.auth.refreshes == refreshes + 1
        created_key = raise_for_user_errors(
            (
                await consumer.create_api_key(
                    input=aio.CreateApiKeyInput(name="reader", scopes=["packages:read"])
                )
            ).create_api_key
        )
        entry = await asyncio.wait_for(watcher_entry, WAIT)
        assert entry.action == "createApiKey"
        assert created_key.api_key is not None and entry.target == created_key.api_key.id

        # Resumed after the sequence before it, a stream sends it again first (nothing waited on).
        async def resumed() -> aio.AuditEntryFields:
            stream = consumer.stream_audit({"action": "createApiKey"}, after_sequence=entry.sequence - 1)
            async for again in stream:
                return again
            raise AssertionError("the stream ended")

        assert (await asyncio.wait_for(resumed(), WAIT)).id == entry.id

    # The API key authenticates, within its scopes.
    assert created_key.secret is not None
    async with AsyncAtomClient(url, api_key=created_key.secret) as keyed:
        viewer = (await keyed.viewer()).viewer
        assert viewer.api_key is not None and viewer.api_key.name == "reader"
        with pytest.raises(Forbidden):
            await keyed.audit_log(first=1)

    for client in (publisher, reviewer):
        await client.close()


async def test_async_typed_errors(url: str) -> None:
    async with AsyncAtomClient(url) as anonymous:
        with pytest.raises(Unauthenticated) as no_credential:
            await anonymous.audit_log(first=1)
        assert no_credential.value.path == ["auditLog"]
    async with AsyncAtomClient(url, api_key="atom_nope_nope") as forged:
        with pytest.raises(Unauthenticated) as refused:
            await forged.viewer()
        assert refused.value.reason == "INVALID_API_KEY"
    async with await AsyncAtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Errors", organization_slug=unique("errors")
    ) as client:
        with pytest.raises(BadUserInput) as bad_page:
            await client.audit_log(first=-1)
        assert bad_page.value.reason == "INVALID_PAGINATION"
        with pytest.raises(NotFound):
            async for _ in client.package_status(package_id="UGFja2FnZToxMjM="):
                pass
        with pytest.raises(NotFound):
            await client.install("nobody/nothing")
        with pytest.raises(UserErrorsError) as unknown_id:
            await client.install("UGFja2FnZToxMjM=")
        assert unknown_id.value.code is MarketplaceErrorCode.NOT_FOUND
    with pytest.raises(UserErrorsError) as wrong_password:
        await AsyncAtomClient.log_in(url, email(), PASSWORD)
    assert wrong_password.value.code is AuthErrorCode.INVALID_CREDENTIALS
    async with AsyncAtomClient(url) as client:  # on an instance, `log_in` is the generated mutation
        payload = (await client.log_in(input=aio.LogInInput(email=email(), password=PASSWORD))).log_in
        assert payload.session is None and payload.user_errors[0].code is AuthErrorCode.INVALID_CREDENTIALS


async def test_async_token_refresh(url: str) -> None:
    async with await AsyncAtomClient.sign_up(url, email(), PASSWORD) as session:
        assert isinstance(session.auth, TokenAuth)
        first = session.auth.tokens
    saved: list[Tokens] = []

    # Expired by the client's clock: many concurrent requests, one refresh (a second one would spend
    # the rotated refresh token twice, and the server would revoke the family).
    expired = TokenAuth(
        first.access_token,
        first.refresh_token,
        datetime.now(UTC) - timedelta(minutes=1),
        on_refresh=saved.append,
    )
    async with AsyncAtomClient(url, auth=expired) as client:
        views = await asyncio.gather(*(client.viewer() for _ in range(8)))
        assert {v.viewer.user and v.viewer.user.id for v in views} == {
            session.session and session.session.user.id
        }
        assert expired.refreshes == 1 and saved == [expired.tokens]
        assert expired.refresh_token not in (None, first.refresh_token)

    # Refused by the server (a 401): refreshed once, and the request sent again.
    rejected = TokenAuth("not-a-token", expired.refresh_token)
    async with AsyncAtomClient(url, auth=rejected) as client:
        assert (await client.viewer()).viewer.user is not None
        assert rejected.refreshes == 1

    # The spent refresh token, presented again: the server revokes the family.
    reused = TokenAuth("not-a-token", first.refresh_token)
    async with AsyncAtomClient(url, auth=reused) as client:
        with pytest.raises(Unauthenticated) as stolen:
            await client.viewer()
        assert stolen.value.reason == "REFRESH_TOKEN_REUSED"


# ------------------------------------------------------------------------------------------- sync


def test_sync_journey(url: str, settings: Settings, plan: str, tmp_path: Path) -> None:
    publisher_slug, namespace, tag = unique("pub"), unique("ns"), unique("tag")
    key = ec.generate_private_key(ec.SECP256R1())  # ECDSA P-256, as cosign makes
    with AtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Pub", organization_slug=publisher_slug
    ) as publisher:
        raise_for_user_errors(
            publisher.become_publisher(
                input=sync.BecomePublisherInput(namespace=namespace, display_name="P")
            ).become_publisher
        )
        raise_for_user_errors(
            publisher.register_public_key(
                input=sync.RegisterPublicKeyInput(name="cosign", public_key=public_key_pem(key))
            ).register_public_key
        )
        for name in ("alpha", "beta"):
            raise_for_user_errors(
                publisher.create_package(
                    input=sync.CreatePackageInput(name=name, title=name, tags=[tag])
                ).create_package
            )
        pem_key = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        alpha = publisher.publish_wpk(
            artifact(tmp_path, "alpha", "0.1.0"), package=f"{namespace}/alpha", signing_key=key
        )
        beta = publisher.publish_wpk(
            artifact(tmp_path, "beta", "0.1.0"),
            package=f"{namespace}/beta",
            signing_key=pem_key,
            via="multipart",
        )
        # The sync models have the sync package's enums (equal by value to atom_sdk's, which are the async ones').
        assert alpha.status is sync.VersionStatus.SUBMITTED and beta.status == "SUBMITTED"
        with pytest.raises(UserErrorsError) as unsigned:
            publisher.publish_wpk(
                artifact(tmp_path, "alpha", "0.2.0"),
                package=f"{namespace}/alpha",
                signing_key=ec.generate_private_key(ec.SECP256R1()),
            )
        assert unsigned.value.code is MarketplaceErrorCode.SIGNATURE_INVALID

    reviewer_slug = unique("reviewer")
    with AtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Reviews", organization_slug=reviewer_slug
    ) as reviewer:
        run_async(trust_reviewer(settings, reviewer_slug))
        assert [reviewer.approve(v.id).status for v in (alpha, beta)] == [sync.VersionStatus.PUBLISHED] * 2

    consumer_email = email()
    AtomClient.sign_up(
        url, consumer_email, PASSWORD, organization_name="C", organization_slug=unique("c")
    ).close()
    with AtomClient.log_in(url, consumer_email, PASSWORD) as consumer:
        listed = [p.full_name for p in consumer.list_marketplace(tags=[tag], page_size=1)]
        assert sorted(listed) == [f"{namespace}/alpha", f"{namespace}/beta"]
        install = consumer.install(f"{namespace}/beta", version_id=beta.id)
        assert install.version is not None and install.version.id == beta.id

        raise_for_user_errors(consumer.subscribe(input=sync.SubscribeInput(plan=plan)).subscribe)
        report = consumer.report_usage(
            [{"meter": "tokens", "quantity": "12.5", "idempotency_key": unique("k")}]
        )
        assert (report.accepted, report.duplicates) == (1, 0)
        assert consumer.report_usage(report.events).duplicates == 1

        # The blocking audit stream, read in a thread while this one makes the change.
        entries: queue.Queue[sync.AuditEntryFields] = queue.Queue()

        def read_one() -> None:
            with contextlib.closing(consumer.stream_audit({"action": "createApiKey"})) as stream:
                entries.put(next(stream))

        before = bus.hub.subscribers
        reader = threading.Thread(target=read_one, daemon=True)
        reader.start()
        until_subscribed(before)
        made = raise_for_user_errors(
            consumer.create_api_key(
                input=sync.CreateApiKeyInput(name="ci", scopes=["usage:write"])
            ).create_api_key
        )
        entry = entries.get(timeout=WAIT)
        reader.join(WAIT)
        assert entry.action == "createApiKey" and made.api_key is not None and entry.target == made.api_key.id
        # Resumed after the sequence before it: that entry first, already committed.
        resumed = consumer.stream_audit({"action": "createApiKey"}, after_sequence=entry.sequence - 1)
        with contextlib.closing(resumed):
            assert next(resumed).id == entry.id

    assert made.secret is not None
    with AtomClient(url, api_key=made.secret) as keyed:
        assert keyed.report_usage([{"meter": "tool_calls", "quantity": 1}]).accepted == 1
        with pytest.raises(Forbidden):
            keyed.create_package(input=sync.CreatePackageInput(name="nope", title="nope"))
    with AtomClient(url) as anonymous, pytest.raises(Unauthenticated):
        anonymous.audit_log(first=1)


def test_sync_token_refresh_is_shared_by_threads(url: str) -> None:
    with AtomClient.sign_up(url, email(), PASSWORD) as session:
        assert isinstance(session.auth, TokenAuth)
        tokens = session.auth.tokens
    expired = TokenAuth(tokens.access_token, tokens.refresh_token, datetime.now(UTC) - timedelta(seconds=1))
    with AtomClient(url, auth=expired) as client, ThreadPoolExecutor(8) as pool:
        users = list(pool.map(lambda _: client.viewer().viewer.user, range(8)))
    assert all(user is not None for user in users)
    assert expired.refreshes == 1


# ------------------------------------------------------------------- one TokenAuth, many clients

REFRESH_DELAY = 0.3  # long enough for every other request to reach the refresh lock meanwhile


def is_refresh(request: httpx.Request) -> bool:
    return b"RefreshToken" in request.content


def from_everywhere(
    url: str,
    auth: TokenAuth,
    call: Callable[[AtomClient], T],
    acall: Callable[[AsyncAtomClient], Awaitable[T]],
) -> tuple[list[T | BaseException], list[httpx.Request]]:
    """`auth` shared by a sync client (three threads) and async clients on two event loops (three
    requests each), all starting at once; each refresh request is held back `REFRESH_DELAY` before it
    is sent. Returns every call's result or exception, and the refresh requests sent."""
    refreshes: list[httpx.Request] = []
    start = threading.Barrier(3)

    def slow_refresh(request: httpx.Request) -> None:
        if is_refresh(request):
            refreshes.append(request)
            time.sleep(REFRESH_DELAY)

    async def aslow_refresh(request: httpx.Request) -> None:
        if is_refresh(request):
            refreshes.append(request)
            await asyncio.sleep(REFRESH_DELAY)

    def attempt(function: Callable[[], T]) -> T | BaseException:
        try:
            return function()
        except Exception as error:
            return error

    def threads() -> list[T | BaseException]:
        http = httpx.Client(event_hooks={"request": [slow_refresh]})
        with AtomClient(url, auth=auth, http_client=http) as client, ThreadPoolExecutor(3) as pool:
            start.wait(WAIT)
            return list(pool.map(lambda _: attempt(lambda: call(client)), range(3)))

    async def loop() -> list[T | BaseException]:
        http = httpx.AsyncClient(event_hooks={"request": [aslow_refresh]})
        async with AsyncAtomClient(url, auth=auth, http_client=http) as client:
            await asyncio.to_thread(start.wait, WAIT)
            return list(await asyncio.gather(*(acall(client) for _ in range(3)), return_exceptions=True))

    with ThreadPoolExecutor(3) as sides:
        futures = [
            sides.submit(threads),
            sides.submit(asyncio.run, loop()),
            sides.submit(asyncio.run, loop()),
        ]
        return [result for future in futures for result in future.result(WAIT)], refreshes


def test_one_refresh_for_sync_and_async_clients_sharing_a_token_auth(url: str) -> None:
    with AtomClient.sign_up(url, email(), PASSWORD) as session:
        assert isinstance(session.auth, TokenAuth) and session.session is not None
        tokens, user_id = session.auth.tokens, session.session.user.id
        shown = repr(session.session)  # the session's secrets stay out of logs
        assert tokens.access_token not in shown and str(tokens.refresh_token) not in shown
        assert isinstance(session.session, sync.AuthSessionFields) and user_id in shown
    saved: list[Tokens] = []
    expired = TokenAuth(
        tokens.access_token,
        tokens.refresh_token,
        datetime.now(UTC) - timedelta(seconds=1),
        on_refresh=saved.append,
    )

    async def aviewer(client: AsyncAtomClient) -> str | None:
        user = (await client.viewer()).viewer.user
        return user and user.id

    def viewer(client: AtomClient) -> str | None:
        user = client.viewer().viewer.user
        return user and user.id

    # Two exchanges of one refresh token would be a reuse: the server would revoke the session.
    results, refreshes = from_everywhere(url, expired, viewer, aviewer)
    assert results == [user_id] * 9
    assert len(refreshes) == 1 and expired.refreshes == 1 and saved == [expired.tokens]
    assert expired.refresh_token not in (None, tokens.refresh_token)


def test_requests_waiting_for_a_refused_refresh_are_unauthenticated(url: str) -> None:
    # Every request is refused (401); the first to take the lock presents a refresh token the server
    # refuses. The others, waiting meanwhile, must not present the refresh token it left (none).
    refused = TokenAuth("not-a-token", "not-a-refresh-token")

    async def aviewer(client: AsyncAtomClient) -> object:
        return await client.viewer()

    results, refreshes = from_everywhere(url, refused, lambda client: client.viewer(), aviewer)
    assert len(refreshes) == 1 and refused.refresh_token is None
    assert all(isinstance(result, Unauthenticated) for result in results), results
    assert refused.refreshes == 0


# ----------------------------------------------------------------------------- what is signed


def test_publish_uploads_the_bytes_it_signed(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The artifact is rewritten as soon as the SDK has read it once: what it uploads must still be
    what it hashed and signed (a second read would send other bytes than the signature covers)."""
    key, namespace = ed25519.Ed25519PrivateKey.generate(), unique("ns")
    publisher = AtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Pub", organization_slug=unique("pub")
    )
    raise_for_user_errors(
        publisher.become_publisher(
            input=sync.BecomePublisherInput(namespace=namespace, display_name="P")
        ).become_publisher
    )
    raise_for_user_errors(
        publisher.register_public_key(
            input=sync.RegisterPublicKeyInput(name="ci", public_key=public_key_pem(key))
        ).register_public_key
    )
    raise_for_user_errors(
        publisher.create_package(input=sync.CreatePackageInput(name="pkg", title="P")).create_package
    )
    (tmp_path / "other").mkdir()
    tampered = artifact(tmp_path / "other", "pkg", "6.6.6").read_bytes()
    real_open = Path.open

    def rewritten_once_read(path: Path) -> Callable[..., Any]:
        """`Path.open` for which `path` is rewritten when the first handle on it closes."""
        opened: list[bool] = []

        def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
            handle = real_open(self, *args, **kwargs)
            if self == path and not opened:
                opened.append(True)
                close = handle.close

                def close_then_rewrite() -> None:
                    close()
                    path.write_bytes(tampered)

                handle.close = close_then_rewrite
            return handle

        return open_

    def publish_async(path: Path, via: Any) -> aio.PackageVersionFields:
        async def publish() -> aio.PackageVersionFields:
            async with AsyncAtomClient(url, auth=publisher.auth) as client:
                return await client.publish_wpk(path, package=f"{namespace}/pkg", signing_key=key, via=via)

        return run_async(publish())

    published = {
        "sync multipart": lambda path: publisher.publish_wpk(
            path, package=f"{namespace}/pkg", signing_key=key, via="multipart"
        ),
        "async multipart": lambda path: publish_async(path, "multipart"),
        "async presigned": lambda path: publish_async(path, "presigned"),
    }
    for number, (how, publish) in enumerate(published.items()):
        path = artifact(tmp_path, "pkg", f"1.0.{number}")
        signed = hashlib.sha256(path.read_bytes()).hexdigest()
        with monkeypatch.context() as patched:
            patched.setattr(Path, "open", rewritten_once_read(path))
            version = publish(path)
        assert path.read_bytes() == tampered, how  # the file did change under the SDK
        assert (version.sha_256, version.version) == (signed, f"1.0.{number}"), how
    publisher.close()


# ------------------------------------------------------------------------ a server that goes away


def test_stream_audit_raises_when_the_server_goes_away(settings: Settings, tmp_path: Path) -> None:
    """A subscription cut by the server stopping is an error, not the end of the stream."""
    assert settings.master_key is not None
    server = start_live_server(
        make_settings(settings.database_url, tmp_path, master_key=settings.master_key.get_secret_value())
    )
    try:
        client = AtomClient.sign_up(
            server.url, email(), PASSWORD, organization_name="Gone", organization_slug=unique("gone")
        )
        outcome: queue.Queue[BaseException | None] = queue.Queue()

        def read_sync() -> None:
            try:
                for _ in client.stream_audit():
                    pass
                outcome.put(None)
            except BaseException as error:
                outcome.put(error)

        async def read_async() -> None:
            async with AsyncAtomClient(server.url, auth=client.auth) as aclient:
                try:
                    async for _ in aclient.stream_audit():
                        pass
                    outcome.put(None)
                except BaseException as error:
                    outcome.put(error)

        before = bus.hub.subscribers
        threading.Thread(target=read_sync, daemon=True).start()
        threading.Thread(target=run_async, args=(read_async(),), daemon=True).start()
        until_subscribed(before + 1)
    finally:
        server.stop()
    ends = [outcome.get(timeout=WAIT) for _ in range(2)]
    assert all(isinstance(end, SubscriptionClosed) for end in ends), ends
    client.close()


# ----------------------------------------------------------------------------------- documents


@pytest.mark.parametrize("document", [REFRESH_TOKEN_DOCUMENT, AUDIT_EVENTS_DOCUMENT])
def test_hand_written_documents_match_the_client_schema(document: str) -> None:
    schema = build_schema((ROOT / "sdk-gen" / "schema.graphql").read_text())
    assert validate(schema, parse(document)) == []


async def test_paginate_async_walks_every_page(url: str) -> None:
    """`paginate_async` over a connection of the generated client, one node per page."""
    async with await AsyncAtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Pages", organization_slug=unique("pages")
    ) as client:
        for name in ("one", "two", "three"):
            raise_for_user_errors(
                (
                    await client.create_api_key(
                        input=aio.CreateApiKeyInput(name=name, scopes=["packages:read"])
                    )
                ).create_api_key
            )
        pages: list[str | None] = []

        def fetch(after: str | None) -> Awaitable[aio.AuditLog]:
            pages.append(after)
            return client.audit_log(filter_=aio.AuditLogFilter(action="createApiKey"), first=1, after=after)

        select: Callable[[aio.AuditLog], aio.AuditLogAuditLog] = lambda answer: answer.audit_log  # noqa: E731
        entries = [entry async for entry in paginate_async(fetch, select)]
        assert [entry.action for entry in entries] == ["createApiKey"] * 3
        assert len(pages) == 3 and pages[0] is None and len(set(pages)) == 3


async def test_report_usage_sends_batches_of_a_thousand(url: str, plan: str) -> None:
    async with await AsyncAtomClient.sign_up(
        url, email(), PASSWORD, organization_name="Usage", organization_slug=unique("usage")
    ) as client:
        raise_for_user_errors((await client.subscribe(input=aio.SubscribeInput(plan=plan))).subscribe)
        events = [{"meter": "tool_calls", "quantity": 1} for _ in range(1000)]
        with pytest.raises(UsageRejected) as refused:
            await client.report_usage([*events, {"meter": "tool_calls", "quantity": -1}])
        assert refused.value.code is BillingErrorCode.INVALID_QUANTITY
        assert refused.value.field == "events[1000].quantity"  # its place in the caller's list
        report = refused.value.report
        assert (report.accepted, report.duplicates, len(report.events)) == (1000, 0, 1001)

        # Fixed and sent again, keys and all: the first batch is not counted twice.
        report.events[-1].quantity = Decimal(1)
        again = await client.report_usage(report.events)
        assert (again.accepted, again.duplicates) == (1, 1000)
