"""Live streams behind GraphQL subscriptions: the generic machinery (`live`), then the topics.

A WebSocket connection can live for hours, so nothing here holds a database session for it: the
connection's `LiveContext` authenticates once with a short session, and every later database access
of a stream (a re-check of its authorization, an event's payload and nested fields) happens in a
short *event scope* of its own, closed before the result goes out. Each stream has a bounded buffer
on the event bus and ends with SUBSCRIBER_TOO_SLOW when it falls behind; it is authorized when it
starts and again before events are delivered (`live`).
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import logging
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

import jwt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.fastapi import BaseContext

from domain.audit import entries as audit
from domain.auth import issuers
from domain.auth import service as auth_service
from domain.auth.policies import Authorizer
from domain.billing import service as billing_service
from domain.billing.models import BudgetCrossing as CrossingRow
from domain.billing.models import BudgetTarget, InvoiceStatus, Meter
from domain.billing.periods import Period, period_of
from domain.billing.usage import aggregate, micros_to_decimal
from domain.clock import clock
from domain.db import unit_of_work
from domain.errors import AuthenticationFailed, DomainError, NotFound
from domain.events.bus import BusEvent, SubscriberOverflow, bus
from domain.marketplace import repository as market_repository
from domain.marketplace.models import Package, PackageVersion, VersionStatus, Visibility
from domain.marketplace.service import get_visible_package
from domain.principal import Principal, PrincipalKind
from resolvers.context import Context, Runtime
from resolvers.errors import ApiError, forbidden, top_level, unauthenticated
from resolvers.ids import expect_global_id
from resolvers.loaders import Loaders

log = logging.getLogger("atom.streams")

T = TypeVar("T")

# How old a stream's authorization decision may get before the next event re-checks it (credential
# and permission, in a fresh session). Read at each check, so a test may lower it.
RECHECK_SECONDS = 30.0
# Each stream re-checks a little earlier, at random, so streams opened together do not re-check together.
RECHECK_JITTER = 0.2

REVOKED_MESSAGE = "The subscription's authorization was revoked."


# ---------------------------------------------------------------- the connection's context


@dataclass(frozen=True, slots=True)
class LiveLimits:
    """What a WebSocket connection and its streams may hold (from the settings)."""

    connection_init_timeout: float = 10.0  # seconds to send `connection_init` after connecting
    max_connections_per_client: int = 50  # per client address, per process
    max_subscriptions: int = 100  # per connection
    subscriber_buffer: int = 256  # events a stream may fall behind before it is ended
    usage_updates_interval: float = 1.0  # seconds between two usageUpdates of one stream, at least


@dataclass(frozen=True, slots=True)
class Credential:
    """What the connection authenticated with, kept to authenticate again while it streams."""

    secret: str
    expires_at: datetime | None  # an access token's `exp`; API keys are re-checked in the database
    organization: str | None = None  # the slug a trusted issuer's token was presented for


class _EventScope:
    """One short unit of database work of a stream: opened on first use, closed by the stream (or by
    the transport, before it sends the result out). Committed when closed normally (a re-check may
    note an API key's last use), rolled back otherwise."""

    def __init__(self, context: LiveContext) -> None:
        self.context = context
        self._session: AsyncSession | None = None
        self._authorizer: Authorizer | None = None
        self._loaders: Loaders | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.context.sessionmaker()
        return self._session

    @property
    def authorizer(self) -> Authorizer:
        if self._authorizer is None:
            self._authorizer = Authorizer(self.session, self.context.runtime.policy_engine)
        return self._authorizer

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.session, self.context.principal)
        return self._loaders

    async def close(self, *, commit: bool = True) -> None:
        session, self._session = self._session, None
        self._authorizer = self._loaders = None
        if session is None:
            return
        try:
            if commit and session.in_transaction():
                await session.commit()
        finally:
            await session.close()


# The event scope of the running stream. Each operation of a connection runs in its own task, and an
# event's fields are resolved in that task, so concurrent streams of one connection never share one.
_current_scope: contextvars.ContextVar[_EventScope | None] = contextvars.ContextVar(
    "atom_stream_scope", default=None
)


def _scope() -> _EventScope:
    scope = _current_scope.get()
    if scope is None:
        # An AttributeError, so `getattr(context, "session", None)` (the unit of work) sees no session.
        raise AttributeError("A subscription has no database session outside of its events.")
    return scope


def _open_scope(context: LiveContext) -> _EventScope:
    scope = _EventScope(context)
    _current_scope.set(scope)
    return scope


async def release_scope() -> None:
    """Close the current stream's database session, if any: the transport calls it once an event's
    result is complete and before sending it, so a slow client never keeps a connection busy."""
    scope = _current_scope.get()
    if scope is not None:
        await scope.close()


class LiveContext(Context):
    """The context of a WebSocket connection. It holds no database session: `session`, `authorizer`
    and `loaders` are those of the current stream's event scope, so types written for the request
    context resolve their fields the same way here."""

    def __init__(
        self,
        *,
        runtime: Runtime,
        sessionmaker: async_sessionmaker[AsyncSession],
        limits: LiveLimits,
        request_id: str,
        client_address: str | None,
    ) -> None:
        BaseContext.__init__(self)
        self.runtime = runtime
        self.sessionmaker = sessionmaker
        self.limits = limits
        self.request_id = request_id
        self.client_address = client_address
        self.multipart = False
        self.principal = Principal.anonymous(request_id=request_id, client_address=client_address)
        self.credential: Credential | None = None
        # (message, reason) once the credential failed a check: every stream of the connection ends so.
        self.failure: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return f"LiveContext(principal={self.principal.subject!r}, request_id={self.request_id!r})"

    # Identity, not the dataclass's field comparison (which would open a session).
    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    @property  # type: ignore[override]
    def session(self) -> AsyncSession:
        return _scope().session

    @session.setter
    def session(self, value: AsyncSession) -> None:
        raise AttributeError("A subscription's session is its event scope's.")

    @property  # type: ignore[override]
    def authorizer(self) -> Authorizer:
        return _scope().authorizer

    @authorizer.setter
    def authorizer(self, value: Authorizer) -> None:
        raise AttributeError("A subscription's authorizer is its event scope's.")

    @property  # type: ignore[override]
    def loaders(self) -> Loaders:
        return _scope().loaders

    @loaders.setter
    def loaders(self, value: Loaders) -> None:
        raise AttributeError("A subscription's loaders are its event scope's.")

    async def sign_in(self, secret: str, organization: str | None = None) -> None:
        """Authenticate the connection (its `connection_init`); AuthenticationFailed when refused."""
        scope = _EventScope(self)
        try:
            principal = await principal_for_credential(
                scope.session,
                self.runtime,
                secret,
                organization=organization,
                request_id=self.request_id,
                client_address=self.client_address,
            )
        except BaseException:
            await scope.close(commit=False)
            raise
        await scope.close()
        self.principal = principal
        self.credential = Credential(secret, _token_expiry(secret), organization)

    def check_expiry(self) -> None:
        """An expired access token ends every stream of the connection (no database needed)."""
        credential = self.credential
        if (
            self.failure is None
            and credential is not None
            and credential.expires_at is not None
            and clock.now() >= credential.expires_at + self.runtime.tokens.settings.leeway
        ):
            self.failure = ("The access token has expired; connect again with a fresh one.", "TOKEN_EXPIRED")
        if self.failure is not None:
            raise unauthenticated(*self.failure)

    async def authenticate_again(self) -> None:
        """Authenticate the connection's credential again, in the current event scope."""
        self.check_expiry()
        if self.credential is None:
            raise unauthenticated()
        try:
            self.principal = await principal_for_credential(
                _scope().session,
                self.runtime,
                self.credential.secret,
                organization=self.credential.organization,
                request_id=self.request_id,
                client_address=self.client_address,
            )
        except AuthenticationFailed as exc:
            self.failure = (REVOKED_MESSAGE, exc.reason)
            raise unauthenticated(*self.failure) from exc


async def principal_for_credential(
    session: AsyncSession,
    runtime: Runtime,
    secret: str,
    *,
    organization: str | None = None,
    request_id: str | None,
    client_address: str | None,
) -> Principal:
    """The principal of an `atom_…` API key, one of our access tokens, or a token of an issuer that
    an organization trusts (`organization`, a slug, names which one); AuthenticationFailed otherwise."""
    if secret.startswith(f"{auth_service.API_KEY_PREFIX}_"):
        return await auth_service.principal_for_api_key(
            session, presented=secret, request_id=request_id, client_address=client_address
        )
    issuer = issuers.unverified_issuer(secret)
    if issuer is not None and issuer != runtime.tokens.settings.issuer:
        return await issuers.principal_for_external_token(
            session,
            keys=runtime.issuer_keys,
            token=secret,
            issuer=issuer,
            organization_slug=organization,
            request_id=request_id,
            client_address=client_address,
            leeway_seconds=runtime.tokens.settings.leeway.total_seconds(),
        )
    return await auth_service.principal_for_access_token(
        session, tokens=runtime.tokens, token=secret, request_id=request_id, client_address=client_address
    )


def _token_expiry(secret: str) -> datetime | None:
    """The `exp` of an access token that was just verified (API keys have none here)."""
    if secret.startswith(f"{auth_service.API_KEY_PREFIX}_"):
        return None
    claims = jwt.decode(secret, options={"verify_signature": False})
    return datetime.fromtimestamp(int(claims["exp"]), tz=UTC)


def live_context(context: Context) -> LiveContext:
    if not isinstance(context, LiveContext):
        raise ApiError(
            "Subscriptions are served over WebSocket at /graphql (graphql-transport-ws).",
            "OPERATION_NOT_SUPPORTED",
        )
    return context


# ---------------------------------------------------------------- the stream


class Everywhere(enum.Enum):
    """A topic whose events may come from any organization (its `accept` or `render` filters them)."""

    EVERY_ORGANIZATION = "every organization"


EVERY_ORGANIZATION = Everywhere.EVERY_ORGANIZATION

# A check of the caller's right to the stream: raises an ApiError (or a DomainError) to refuse it.
# It runs in an event scope (`context.session`, `context.authorizer`, `context.principal` are fresh).
Authorize = Callable[[], Awaitable[None]]


async def audit_refusal(context: LiveContext, topic: str, error: ApiError) -> None:
    """An audit entry (in a transaction of its own) for a subscription refused or ended by its
    authorization, like a refused read over HTTP. Anonymous connections never get this far."""
    code = (error.extensions or {}).get("code")
    if code not in ("FORBIDDEN", "UNAUTHENTICATED") or not context.principal.is_authenticated:
        return
    try:
        async with unit_of_work(context.sessionmaker) as session:
            audit.record(
                session,
                organization_id=context.principal.organization_id,
                actor=context.principal.subject,
                action=f"subscribe:{topic}",
                decision="DENY",
                outcome="DENIED",
                reason=str(code),
                request_id=context.request_id,
                client_address=context.client_address,
                read=True,
            )
    except Exception:  # the refusal stands; only its record failed
        log.exception("auditing a refused subscription failed", extra={"request_id": context.request_id})


def too_slow(buffer: int) -> ApiError:
    return ApiError(
        f"The subscriber fell more than {buffer} events behind; the subscription is over.",
        "SUBSCRIBER_TOO_SLOW",
        buffer=buffer,
    )


def _as_api_error(error: BaseException, request_id: str) -> ApiError:
    if isinstance(error, ApiError):
        return error
    if isinstance(error, DomainError):
        return top_level(error)
    log.error("unexpected error in a subscription", exc_info=error, extra={"request_id": request_id})
    return ApiError("Internal server error.", "INTERNAL_SERVER_ERROR", requestId=request_id)


def requires(context: Context, permission: str | None) -> Authorize:
    """The caller holds `permission` in the organization it acts for (None: any signed-in caller)."""

    async def check() -> None:
        if permission is None:
            return
        decision = await context.authorizer.decide(context.principal, permission)
        if not decision.allowed:
            raise forbidden(f"Missing permission {permission}.")

    return check


class _Authorization:
    """A stream's cached authorization: re-checked (credential and permission, in a fresh session)
    when an access change of the caller's organization went by, or when it is older than
    RECHECK_SECONDS; an access token's expiry is checked before every event."""

    def __init__(self, context: LiveContext, authorize: Authorize) -> None:
        self.context = context
        self.authorize = authorize
        self.checked_at = 0.0
        self.stale = True
        # jitter, not a secret
        self.jitter = 1.0 - RECHECK_JITTER * random.random()  # noqa: S311

    def observe(self, event: BusEvent) -> None:
        """Note an access change in the caller's organization (events arrive in commit order, so the
        events after it are checked against it)."""
        if (
            event.stream == "audit"
            and event.payload.get("accessChange") is True
            and event.organization_id == self.context.principal.organization_id
        ):
            self.stale = True

    async def ensure(self, *, starting: bool = False) -> None:
        """Check now unless the cached decision still holds. `starting`: the subscription's own
        check, whose refusal says why; later refusals say the authorization was revoked."""
        self.context.check_expiry()
        loop = asyncio.get_running_loop()
        if not self.stale and loop.time() - self.checked_at < RECHECK_SECONDS * self.jitter:
            return
        await in_scope(self.context, self._check if not starting else self._check_starting)
        self.checked_at = loop.time()
        self.stale = False

    async def _check_starting(self) -> None:
        await self.context.authenticate_again()
        await self.authorize()

    async def _check(self) -> None:
        await self.context.authenticate_again()
        try:
            await self.authorize()
        except ApiError as exc:
            if (exc.extensions or {}).get("code") == "UNAUTHENTICATED":
                raise
            raise forbidden(REVOKED_MESSAGE) from exc
        except DomainError as exc:
            raise forbidden(REVOKED_MESSAGE) from exc


async def live(
    context: Context,
    *,
    topic: str,
    organization_id: uuid.UUID | Everywhere | None,
    authorize: Authorize | str | None,
    accept: Callable[[BusEvent], bool],
    render: Callable[[BusEvent], Awaitable[T | None]],
    first: Callable[[], Awaitable[T | None]] | None = None,
    throttle: float | None = None,
    replay: Callable[[], Awaitable[Sequence[T]]] | None = None,
) -> AsyncIterator[T]:
    """A live stream of the events of `organization_id` (None: the platform's own; EVERY_ORGANIZATION:
    any, for public topics) that `accept` takes, each turned into a value by `render` (None: skip it).

    `authorize` is a permission in the caller's organization, a check (see `Authorize`), or None
    (any signed-in caller). It is checked now: a refusal is the subscription's error. It is checked
    again (with the credential) right after the stream is on the bus, when an access change of the
    caller's organization arrives, and when the last check is older than RECHECK_SECONDS; a refusal
    then ends the stream with FORBIDDEN or UNAUTHENTICATED.

    `first` renders a value sent right after subscribing; `replay`, values already committed, sent
    next (read once the stream is on the bus: `accept` must then skip what it sent). With
    `throttle`, values go out at most once per `throttle` seconds: the events in between are
    coalesced into one, rendered from the last. `render`, `first` and `replay` run in an event
    scope, as do the result's nested fields.
    """
    stream_context = live_context(context)
    if not stream_context.principal.is_authenticated or stream_context.credential is None:
        raise unauthenticated()
    check = authorize if callable(authorize) else requires(context, authorize)
    authorization = _Authorization(stream_context, check)
    try:
        await authorization.ensure(starting=True)  # refused here: the subscription's `error`
    except ApiError as error:
        await audit_refusal(stream_context, topic, error)
        raise
    except Exception as exc:
        raise _as_api_error(exc, stream_context.request_id) from exc
    return _stream(
        stream_context, topic, authorization, organization_id, accept, render, first, throttle, replay
    )


async def _stream(
    context: LiveContext,
    topic: str,
    authorization: _Authorization,
    organization_id: uuid.UUID | Everywhere | None,
    accept: Callable[[BusEvent], bool],
    render: Callable[[BusEvent], Awaitable[T | None]],
    first: Callable[[], Awaitable[T | None]] | None,
    throttle: float | None,
    replay: Callable[[], Awaitable[Sequence[T]]] | None,
) -> AsyncIterator[T]:
    buffer = context.limits.subscriber_buffer
    loop = asyncio.get_running_loop()
    scope: _EventScope | None = None
    try:
        own = context.principal.organization_id

        def relevant(event: BusEvent) -> bool:
            # The stream's organization, and the caller's access changes (for re-authorization).
            return (
                organization_id is EVERY_ORGANIZATION
                or event.organization_id == organization_id
                or (event.organization_id == own and event.stream == "audit")
            )

        async with bus.subscribe(buffer, relevant) as inbox:
            # Checked again now that nothing committed from here on can pass unseen.
            authorization.stale = True
            await authorization.ensure()
            next_at = loop.time()
            if first is not None:
                scope = _open_scope(context)
                value = await first()
                if value is not None:
                    next_at = loop.time() + (throttle or 0.0)
                    yield value
                await scope.close()
                _current_scope.set(None)
            if replay is not None:
                scope = _open_scope(context)
                for value in await replay():
                    yield value
                await scope.close()
                _current_scope.set(None)
            pending: BusEvent | None = None
            while True:
                delay = None if pending is None else max(0.0, next_at - loop.time())
                try:
                    async with asyncio.timeout(delay):
                        event = await inbox.get()
                except TimeoutError:
                    event = None
                if event is not None:
                    authorization.observe(event)
                    if organization_id is not EVERY_ORGANIZATION and event.organization_id != organization_id:
                        continue  # another organization's: never looked at further
                    if not accept(event):
                        continue
                    if throttle is not None and loop.time() < next_at:
                        pending = event  # coalesced: sent when the interval is over
                        continue
                    pending = None
                else:
                    event, pending = pending, None
                    if event is None:
                        continue
                await authorization.ensure()
                scope = _open_scope(context)
                value = await render(event)
                if value is not None:
                    next_at = loop.time() + (throttle or 0.0)
                    yield value
                await scope.close()
                _current_scope.set(None)
    except SubscriberOverflow as exc:
        raise too_slow(buffer) from exc
    except ApiError as error:
        await audit_refusal(context, topic, error)
        raise
    except Exception as exc:
        raise _as_api_error(exc, context.request_id) from exc
    finally:
        if scope is not None:
            await scope.close(commit=False)
        _current_scope.set(None)


async def in_scope(context: Context, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` in a short event scope of its own (for a topic's checks before its stream starts)."""
    stream_context = live_context(context)
    scope = _EventScope(stream_context)
    token = _current_scope.set(scope)
    try:
        result = await work()
    except BaseException:
        await scope.close(commit=False)
        raise
    finally:
        _current_scope.reset(token)
    await scope.close()
    return result


# ---------------------------------------------------------------- topics: marketplace

LISTED = frozenset({VersionStatus.PUBLISHED, VersionStatus.YANKED, VersionStatus.REVOKED})
REVIEWED = frozenset(set(VersionStatus) - {VersionStatus.DRAFT})


class Watcher(enum.IntEnum):
    """Why a caller may watch a package: what it then sees of its versions' transitions."""

    PUBLIC = 1  # a public package: its listed transitions (published, yanked, revoked)
    REVIEWER = 2  # a trusted reviewer organization with packages:review: every step of review too
    OWNER = 3  # the owner organization, with packages:read: every transition

    @property
    def statuses(self) -> frozenset[VersionStatus]:
        return {Watcher.PUBLIC: LISTED, Watcher.REVIEWER: REVIEWED, Watcher.OWNER: frozenset(VersionStatus)}[
            self
        ]


@dataclass(frozen=True, slots=True)
class StatusChange:
    package_id: uuid.UUID
    version_id: uuid.UUID
    version: str
    from_status: VersionStatus | None
    to_status: VersionStatus
    reason: str | None
    at: datetime


async def _watcher(context: Context, package: Package) -> Watcher | None:
    principal = context.principal
    if (
        principal.organization_id == package.organization_id
        and (await context.authorizer.decide(principal, "packages:read")).allowed
    ):
        return Watcher.OWNER
    if package.visibility is not Visibility.PUBLIC:
        return None
    if (
        principal.kind is PrincipalKind.USER
        and await market_repository.is_platform_reviewer(context.session, principal.organization_id)
        and (await context.authorizer.decide(principal, "packages:review")).allowed
    ):
        return Watcher.REVIEWER
    return Watcher.PUBLIC


async def package_status(context: Context, package_id: str) -> AsyncIterator[StatusChange]:
    """Transitions of a package's versions, as far as the caller may watch the package (`Watcher`)."""
    pk = expect_global_id(package_id, "Package")

    async def find() -> tuple[Package, Watcher]:
        if pk is None:
            raise NotFound("No such package.", code="NOT_FOUND", field="packageId")
        package = await get_visible_package(context.session, context.principal, pk)
        watcher = await _watcher(context, package)
        if watcher is None:
            raise forbidden("Missing permission packages:read.")
        return package, watcher

    try:
        package, watcher = await in_scope(context, find)
    except DomainError as exc:
        raise ApiError(exc.message, str(exc.code), field="packageId") from exc

    async def still_watching() -> None:
        # Found again through the caller's scoped query: a package gone out of sight is refused too.
        current = await get_visible_package(context.session, context.principal, package.id)
        now = await _watcher(context, current)
        if now is None or now < watcher:
            raise forbidden("You may no longer watch this package.")

    def accept(event: BusEvent) -> bool:
        return (
            event.type == "version.status_changed"
            and event.payload.get("packageId") == str(package.id)
            and event.payload.get("to") in watcher.statuses
        )

    async def render(event: BusEvent) -> StatusChange | None:
        payload = event.payload
        if event.subject_id is None:
            return None
        return StatusChange(
            package_id=package.id,
            version_id=event.subject_id,
            version=str(payload.get("version", "")),
            from_status=VersionStatus(payload["from"]) if payload.get("from") else None,
            to_status=VersionStatus(payload["to"]),
            reason=payload.get("reason"),
            at=event.created_at,
        )

    return await live(
        context,
        topic="packageStatus",
        organization_id=package.organization_id,
        authorize=still_watching,
        accept=accept,
        render=render,
    )


@dataclass(frozen=True, slots=True)
class Publication:
    package: Package
    version: PackageVersion
    at: datetime


async def marketplace_activity(context: Context) -> AsyncIterator[Publication]:
    """Versions of public packages as they are published, for any signed-in caller."""

    def accept(event: BusEvent) -> bool:
        return event.type == "version.status_changed" and event.payload.get("to") == VersionStatus.PUBLISHED

    async def render(event: BusEvent) -> Publication | None:
        if event.subject_id is None:
            return None
        version = await context.loaders.version_by_id.load(event.subject_id)
        if version is None:
            return None
        package = await context.loaders.package_by_id.load(version.package_id)
        # Public packages only: a private package of the caller's own organization is not activity.
        if package is None or package.visibility is not Visibility.PUBLIC:
            return None
        return Publication(package=package, version=version, at=event.created_at)

    return await live(
        context,
        topic="marketplaceActivity",
        organization_id=EVERY_ORGANIZATION,
        authorize=None,
        accept=accept,
        render=render,
    )


# ---------------------------------------------------------------- topics: billing


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros and without an exponent: 20, not 2E+1 (what `normalize` makes of it)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


@dataclass(frozen=True, slots=True)
class UsageTotal:
    meter: Meter
    period: Period
    total: Decimal
    at: datetime


async def usage_updates(context: Context, meter_key: str) -> AsyncIterator[UsageTotal]:
    """The caller's organization's total of `meter_key` in the current period: now, then after usage
    is recorded, at most once per `usage_updates_interval` (billing:read)."""
    stream_context = live_context(context)
    organization_id = stream_context.principal.organization_id

    async def find() -> uuid.UUID:
        await requires(context, "billing:read")()
        return (await billing_service.meter_by_key(context.session, meter_key)).id

    try:
        meter_id = await in_scope(context, find)
    except DomainError as exc:
        raise top_level(exc) from exc

    async def total() -> UsageTotal | None:
        meter = await context.session.get(Meter, meter_id)
        if meter is None or organization_id is None:
            return None
        now = clock.now()
        period = period_of(now)
        value = await aggregate(context.session, meter, organization_id, period.start, period.end)
        return UsageTotal(meter=meter, period=period, total=plain(value), at=now)

    def accept(event: BusEvent) -> bool:
        meters = event.payload.get("meters")
        return event.type == "usage.recorded" and isinstance(meters, dict) and meter_key in meters

    async def render(_: BusEvent) -> UsageTotal | None:
        return await total()

    return await live(
        context,
        topic="usageUpdates",
        organization_id=organization_id,
        authorize="billing:read",
        accept=accept,
        render=render,
        first=total,
        throttle=stream_context.limits.usage_updates_interval,
    )


@dataclass(frozen=True, slots=True)
class BudgetCrossing:
    budget_id: uuid.UUID
    name: str
    target: BudgetTarget
    threshold: Decimal
    value: Decimal
    period: str
    hard_limit: bool
    at: datetime


def _budget_amount(target: BudgetTarget, stored: object) -> Decimal:
    amount = int(stored) if isinstance(stored, int | str) else 0
    return plain(micros_to_decimal(amount)) if target is BudgetTarget.METER else Decimal(amount)


def recorded_crossing(
    row: CrossingRow, *, name: str, target: BudgetTarget, threshold: Decimal, hard_limit: bool
) -> BudgetCrossing:
    """A stored crossing as the alert it fired (the budget's threshold cannot change after creation)."""
    return BudgetCrossing(
        budget_id=row.budget_id,
        name=name,
        target=target,
        threshold=threshold,
        value=_budget_amount(target, row.value),
        period=period_of(row.period_start).key,
        hard_limit=hard_limit,
        at=row.crossed_at,
    )


async def budget_alerts(context: Context) -> AsyncIterator[BudgetCrossing]:
    """Budgets of the caller's organization crossing their threshold (billing:read)."""
    organization_id = live_context(context).principal.organization_id

    def accept(event: BusEvent) -> bool:
        return event.type == "budget.threshold_crossed" and event.subject_id is not None

    async def render(event: BusEvent) -> BudgetCrossing | None:
        payload = event.payload
        assert event.subject_id is not None
        target = BudgetTarget(payload.get("target", BudgetTarget.METER))
        return BudgetCrossing(
            budget_id=event.subject_id,
            name=str(payload.get("budget", "")),
            target=target,
            threshold=_budget_amount(target, payload.get("threshold")),
            value=_budget_amount(target, payload.get("value")),
            period=str(payload.get("period", "")),
            hard_limit=bool(payload.get("hardLimit", False)),
            at=event.created_at,
        )

    return await live(
        context,
        topic="budgetAlerts",
        organization_id=organization_id,
        authorize="billing:read",
        accept=accept,
        render=render,
    )


class InvoiceChangeKind(enum.Enum):
    FINALIZED = "invoice.finalized"
    PAID = "invoice.paid"
    PAYMENT_FAILED = "invoice.payment_failed"
    VOIDED = "invoice.voided"


INVOICE_EVENT_TYPES = {kind.value: kind for kind in InvoiceChangeKind}


@dataclass(frozen=True, slots=True)
class InvoiceChange:
    kind: InvoiceChangeKind
    invoice_id: uuid.UUID
    number: str
    status: InvoiceStatus
    total: int
    currency: str
    at: datetime


async def invoice_events(context: Context) -> AsyncIterator[InvoiceChange]:
    """The caller's organization's invoices: finalized, paid, payment failed, voided (billing:read)."""
    organization_id = live_context(context).principal.organization_id

    def accept(event: BusEvent) -> bool:
        return event.type in INVOICE_EVENT_TYPES and event.subject_id is not None

    async def render(event: BusEvent) -> InvoiceChange | None:
        payload = event.payload
        assert event.subject_id is not None
        return InvoiceChange(
            kind=INVOICE_EVENT_TYPES[event.type],
            invoice_id=event.subject_id,
            number=str(payload.get("number", "")),
            status=InvoiceStatus(payload.get("status", InvoiceStatus.OPEN)),
            total=int(payload.get("total", 0)),
            currency=str(payload.get("currency", "")),
            at=event.created_at,
        )

    return await live(
        context,
        topic="invoiceEvents",
        organization_id=organization_id,
        authorize="billing:read",
        accept=accept,
        render=render,
    )


__all__ = [
    "EVERY_ORGANIZATION",
    "RECHECK_SECONDS",
    "Authorize",
    "LiveContext",
    "LiveLimits",
    "live",
    "release_scope",
    "requires",
]
