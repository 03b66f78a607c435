"""Credentials as httpx auth flows: an API key, or a session's access token that refreshes itself
(ahead of expiry, and once on a 401) with the `refreshToken` mutation over the same transport. Each
also gives the WebSocket `connection_init` payload for subscriptions."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from atom_sdk.errors import Unauthenticated, UserErrorsError, raise_for_response

# The one operation the SDK sends by hand: an auth flow cannot go through the generated client
# (that would run the flow again). tests/sdk checks it against sdk-gen/schema.graphql.
REFRESH_TOKEN_DOCUMENT = """\
mutation RefreshToken($input: RefreshTokenInput!) {
  refreshToken(input: $input) {
    session { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt }
    userErrors { field message code }
  }
}
"""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class AtomAuth(httpx.Auth, abc.ABC):
    """A credential for ATOM Cloud's `/graphql`, over HTTP and WebSocket."""

    @abc.abstractmethod
    def bearer(self) -> str:
        """The secret sent as `Authorization: Bearer <secret>` right now."""

    def connection_init_payload(self) -> dict[str, str]:
        """The graphql-transport-ws `connection_init` payload carrying the current bearer."""
        return {"authorization": f"Bearer {self.bearer()}"}

    def refresh_if_expiring(self, client: httpx.Client, url: str | httpx.URL) -> None:
        """Refresh the credential through `client` if it is about to expire (sync)."""

    async def arefresh_if_expiring(self, client: httpx.AsyncClient, url: str | httpx.URL) -> None:
        """Refresh the credential through `client` if it is about to expire (async)."""


class ApiKeyAuth(AtomAuth):
    """An API key (`atom_…`), sent as a bearer. It does not expire unless its creator said so."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __repr__(self) -> str:
        return "ApiKeyAuth(key=<hidden>)"

    def bearer(self) -> str:
        """The API key."""
        return self.key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send the key with every request."""
        request.headers["Authorization"] = f"Bearer {self.key}"
        yield request


@dataclass(frozen=True)
class Tokens:
    """A session's tokens, as `logIn`, `signUp` and `refreshToken` return them (the two secrets are
    left out of `repr`, so logging a `Tokens` shows only when they expire)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    refresh_expires_at: datetime | None = None


class TokenAuth(AtomAuth):
    """An access token that refreshes itself with its refresh token.

    It refreshes `leeway` before `expires_at`, and once when a request comes back 401. Refresh tokens
    rotate: each refresh keeps the new one and calls `on_refresh(tokens)` (to persist them). One
    `TokenAuth` may serve sync and async clients, in any threads and event loops: a stale token is
    exchanged once, under one thread lock (async flows wait for it in a worker thread, not on their
    loop), and every other request goes on with the new token. Presenting a rotated refresh token twice
    would make the server revoke the whole session. A refused refresh (spent, revoked, expired) raises
    `Unauthenticated` with that `reason`; requests that were waiting for it get their 401 as
    `Unauthenticated`.
    """

    def __init__(
        self,
        access_token: str,
        refresh_token: str | None = None,
        expires_at: datetime | None = None,
        *,
        on_refresh: Callable[[Tokens], None] | None = None,
        leeway: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.tokens = Tokens(access_token, refresh_token, _aware(expires_at))
        self.on_refresh = on_refresh
        self.leeway = leeway
        self.clock = clock
        self.refreshes = 0
        # Held while a stale token is checked and exchanged, by sync and async flows alike.
        self._exchange_lock = threading.Lock()
        # An async flow queues on its loop's lock first: a loop parks at most one worker thread on
        # `_exchange_lock`, however many of its requests are waiting.
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"TokenAuth({self.tokens!r})"

    @property
    def access_token(self) -> str:
        """The current access token."""
        return self.tokens.access_token

    @property
    def refresh_token(self) -> str | None:
        """The current (unspent) refresh token."""
        return self.tokens.refresh_token

    def bearer(self) -> str:
        """The current access token."""
        return self.tokens.access_token

    def expiring(self) -> bool:
        """Whether the access token expires within `leeway` (and a refresh token could renew it)."""
        expires_at = self.tokens.expires_at
        return (
            self.tokens.refresh_token is not None
            and expires_at is not None
            and self.clock() >= expires_at - self.leeway
        )

    # --- the refresh itself -------------------------------------------------------------------

    def _refresh_request(self, url: str | httpx.URL) -> httpx.Request:
        body: dict[str, Any] = {
            "query": REFRESH_TOKEN_DOCUMENT,
            "operationName": "RefreshToken",
            "variables": {"input": {"refreshToken": self.tokens.refresh_token}},
        }
        return httpx.Request("POST", url, json=body)

    def _accept(self, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = None
        data = raise_for_response(response.status_code, body, response.text)
        payload = data.get("refreshToken") or {}
        if payload.get("userErrors"):
            refused = UserErrorsError.from_user_errors(payload["userErrors"])
            # The token is spent or revoked: trying it again would only be refused again.
            self.tokens = replace(self.tokens, refresh_token=None)
            raise Unauthenticated(
                f"The session could not be refreshed: {refused.message}",
                code="UNAUTHENTICATED",
                extensions={"code": "UNAUTHENTICATED", "reason": str(refused.code)},
            )
        session = payload["session"]
        self.tokens = Tokens(
            access_token=session["accessToken"],
            refresh_token=session["refreshToken"],
            expires_at=datetime.fromisoformat(session["accessTokenExpiresAt"]),
            refresh_expires_at=datetime.fromisoformat(session["refreshTokenExpiresAt"]),
        )
        self.refreshes += 1
        if self.on_refresh is not None:
            self.on_refresh(self.tokens)

    def _authorize(self, request: httpx.Request) -> str:
        token = self.tokens.access_token
        request.headers["Authorization"] = f"Bearer {token}"
        return token

    def _async_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._loop_locks.get(loop)
        if lock is None:
            lock = self._loop_locks[loop] = asyncio.Lock()
        return lock

    @contextlib.asynccontextmanager
    async def _exchanging(self) -> AsyncIterator[None]:
        """`_exchange_lock`, taken from a coroutine without blocking its event loop."""
        async with self._async_lock():
            if not self._exchange_lock.acquire(blocking=False):
                await _acquire_in_thread(self._exchange_lock)
            try:
                yield
            finally:
                self._exchange_lock.release()

    def _renews(self, stale: str) -> bool:
        """Under `_exchange_lock`: whether `stale` is still the access token and can be exchanged.
        False when another request has replaced it (go on with the new one), or when another
        request's refresh was refused meanwhile (there is no refresh token left to present)."""
        return self.tokens.access_token == stale and self.tokens.refresh_token is not None

    # --- httpx flows: `stale` is the token that looked expired or was refused; whoever holds the
    # lock first exchanges it, the others find it replaced and go on with the new one.

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Authorize `request`, refreshing ahead of expiry and once on a 401."""
        if self.expiring():
            stale = self.tokens.access_token
            with self._exchange_lock:
                if self._renews(stale):
                    refreshed = yield self._refresh_request(request.url)
                    refreshed.read()
                    self._accept(refreshed)
        sent = self._authorize(request)
        response = yield request
        if response.status_code == 401 and self.tokens.refresh_token is not None:
            with self._exchange_lock:
                if self.tokens.access_token == sent:
                    if self.tokens.refresh_token is None:
                        return  # refused for another request meanwhile: this one's 401 stands
                    refreshed = yield self._refresh_request(request.url)
                    refreshed.read()
                    self._accept(refreshed)
            self._authorize(request)
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Authorize `request`, refreshing ahead of expiry and once on a 401."""
        if self.expiring():
            stale = self.tokens.access_token
            async with self._exchanging():
                if self._renews(stale):
                    refreshed = yield self._refresh_request(request.url)
                    await refreshed.aread()
                    self._accept(refreshed)
        sent = self._authorize(request)
        response = yield request
        if response.status_code == 401 and self.tokens.refresh_token is not None:
            async with self._exchanging():
                if self.tokens.access_token == sent:
                    if self.tokens.refresh_token is None:
                        return  # refused for another request meanwhile: this one's 401 stands
                    refreshed = yield self._refresh_request(request.url)
                    await refreshed.aread()
                    self._accept(refreshed)
            self._authorize(request)
            yield request

    def refresh_if_expiring(self, client: httpx.Client, url: str | httpx.URL) -> None:
        """Refresh through `client` now if the access token is about to expire."""
        if not self.expiring():
            return
        stale = self.tokens.access_token
        with self._exchange_lock:
            if self._renews(stale):
                self._accept(client.send(self._refresh_request(url), auth=None))

    async def arefresh_if_expiring(self, client: httpx.AsyncClient, url: str | httpx.URL) -> None:
        """Refresh through `client` now if the access token is about to expire."""
        if not self.expiring():
            return
        stale = self.tokens.access_token
        async with self._exchanging():
            if self._renews(stale):
                self._accept(await client.send(self._refresh_request(url), auth=None))


async def _acquire_in_thread(lock: threading.Lock) -> None:
    """Wait for `lock` in a worker thread, leaving the event loop free. If the waiting coroutine is
    cancelled (or its loop shuts down) first, the worker releases the lock as soon as it gets it."""
    handoff = threading.Lock()
    state = "waiting"  # -> "held" when the worker got the lock for us, "abandoned" when we left

    def acquire() -> None:
        nonlocal state
        lock.acquire()
        with handoff:
            if state == "abandoned":
                lock.release()
            else:
                state = "held"

    try:
        await asyncio.to_thread(acquire)
    except BaseException:
        with handoff:
            if state == "held":
                lock.release()
            else:
                state = "abandoned"
        raise
