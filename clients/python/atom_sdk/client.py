"""The ATOM Cloud clients: the generated GraphQL clients (one method per operation) with credentials,
typed errors, authenticated subscriptions, and the helpers of the common journeys (publish a WPK,
review, install, report usage, walk the catalog, follow the audit log)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import tempfile
import uuid
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast, overload

import httpx
from pydantic import BaseModel, Field
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from atom_sdk import _shared, live, usage
from atom_sdk._shared import Via, hybridmethod
from atom_sdk.auth import ApiKeyAuth, AtomAuth, TokenAuth, Tokens
from atom_sdk.errors import (
    AtomError,
    ChecksumMismatch,
    NotFound,
    UploadFailed,
    UserErrorsError,
    graphql_error,
    raise_for_response,
    raise_for_user_errors,
    websocket_closed,
)
from atom_sdk.generated import aio, sync
from atom_sdk.generated.aio.async_base_client import Response as AsyncResponse
from atom_sdk.generated.aio.base_model import UNSET as AIO_UNSET
from atom_sdk.generated.sync.base_client import Response as SyncResponse
from atom_sdk.generated.sync.base_model import UNSET as SYNC_UNSET
from atom_sdk.pagination import paginate, paginate_async
from atom_sdk.signing import CHUNK, KeyLike
from atom_sdk.usage import UsageReport

DEFAULT_TIMEOUT = 60.0
T = TypeVar("T")
UsageEventLike = Mapping[str, Any] | BaseModel
FilterLike = Mapping[str, Any] | BaseModel | None


def _snapshot(path: Path) -> tuple[io.BufferedRandom, str]:
    """A private copy of the file at `path` (an anonymous temporary file, rewound) and the sha256 of
    the copied bytes: what is then uploaded is exactly what was hashed and signed, even if the file
    changes meanwhile. The caller closes the copy."""
    copy = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                copy.write(chunk)
        copy.seek(0)
    except BaseException:
        copy.close()
        raise
    return copy, digest.hexdigest()


class AsyncSession(aio.AuthSessionFields):
    """`AsyncAtomClient.session`: the generated `AuthSessionFields`, its tokens left out of `repr`."""

    access_token: str = Field(alias="accessToken", repr=False)
    refresh_token: str = Field(alias="refreshToken", repr=False)


class SyncSession(sync.AuthSessionFields):
    """`AtomClient.session`: the generated `AuthSessionFields`, its tokens left out of `repr`."""

    access_token: str = Field(alias="accessToken", repr=False)
    refresh_token: str = Field(alias="refreshToken", repr=False)


def _auth(api_key: str | None, auth: AtomAuth | None) -> AtomAuth | None:
    if api_key is not None and auth is not None:
        raise ValueError("Give api_key or auth, not both.")
    return ApiKeyAuth(api_key) if api_key is not None else auth


def _token_auth(session: Any, on_refresh: Callable[[Tokens], None] | None) -> TokenAuth:
    """The session's tokens as a TokenAuth; `on_refresh` hears of them now, and after each refresh."""
    auth = TokenAuth(
        session.access_token,
        session.refresh_token,
        session.access_token_expires_at,
        on_refresh=on_refresh,
    )
    auth.tokens = replace(auth.tokens, refresh_expires_at=session.refresh_token_expires_at)
    if on_refresh is not None:
        on_refresh(auth.tokens)
    return auth


def _checked_version(version: Any, digest: str) -> Any:
    if version is None:
        raise AtomError("The server published no version and reported no userErrors.")
    if version.sha_256 != digest:
        raise ChecksumMismatch(digest, version.sha_256)
    return version


def _catalog_filter(
    model: type[_shared.M], tags: Sequence[str] | None, publisher: str | None
) -> _shared.M | None:
    values: dict[str, Any] = {}
    if tags:
        values["tags"] = list(tags)
    if publisher:
        values["publisher"] = publisher
    return model.model_validate(values) if values else None


def _response_data(response: AsyncResponse | SyncResponse) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return raise_for_response(response.status_code, body, str(getattr(response, "text", "")))


# --------------------------------------------------------------------------------------------- async


async def _async_log_in(
    cls: type[AsyncAtomClient],
    url: str,
    email: str,
    password: str,
    organization_slug: str | None = None,
    *,
    on_refresh: Callable[[Tokens], None] | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - the client's HTTP timeout
) -> AsyncAtomClient:
    """Log in with e-mail and password: a client acting for the user (in `organization_slug`, or
    their first organization) whose access token refreshes itself. `client.session` is the answer;
    `on_refresh(tokens)` is called with the tokens now and after every refresh (to save them)."""
    client = cls(url, timeout=timeout)
    try:
        answer = await aio.AsyncAtomGraphQLClient.log_in(
            client, aio.LogInInput(email=email, password=password, organization_slug=organization_slug)
        )
        client._signed_in(raise_for_user_errors(answer.log_in).session, on_refresh)
    except BaseException:
        await client.close()
        raise
    return client


async def _async_sign_up(
    cls: type[AsyncAtomClient],
    url: str,
    email: str,
    password: str,
    *,
    display_name: str | None = None,
    organization_name: str | None = None,
    organization_slug: str | None = None,
    on_refresh: Callable[[Tokens], None] | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - the client's HTTP timeout
) -> AsyncAtomClient:
    """Create an account (and an organization it owns, when named) and return a client signed in as it."""
    client = cls(url, timeout=timeout)
    try:
        answer = await aio.AsyncAtomGraphQLClient.sign_up(
            client,
            aio.SignUpInput(
                email=email,
                password=password,
                display_name=display_name,
                organization_name=organization_name,
                organization_slug=organization_slug,
            ),
        )
        client._signed_in(raise_for_user_errors(answer.sign_up).session, on_refresh)
    except BaseException:
        await client.close()
        raise
    return client


class AsyncAtomClient(aio.AsyncAtomGraphQLClient):
    """The async client: every generated operation (`await client.viewer()`), typed errors, and helpers.

    async with AsyncAtomClient("https://atom.example.com", api_key="atom_...") as client:
        ...
    client = await AsyncAtomClient.log_in(url, email, password)
    """

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        auth: AtomAuth | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.endpoints = _shared.endpoints(url)
        self.auth = _auth(api_key, auth)
        self.timeout = timeout
        self.session: AsyncSession | None = None
        self.http = http_client or httpx.AsyncClient(timeout=timeout, headers=dict(headers or {}))
        if self.auth is not None:
            self.http.auth = self.auth
        # The generated HttpClient protocol spells `post`'s keyword arguments as positional ones.
        super().__init__(
            url=self.endpoints.graphql, http_client=cast(Any, self.http), ws_url=self.endpoints.websocket
        )

    log_in = hybridmethod(_async_log_in, aio.AsyncAtomGraphQLClient.log_in)  # type: ignore[assignment]
    sign_up = hybridmethod(_async_sign_up, aio.AsyncAtomGraphQLClient.sign_up)  # type: ignore[assignment]

    def _signed_in(self, session: Any, on_refresh: Callable[[Tokens], None] | None) -> None:
        if session is None:
            raise AtomError("The server returned no session and reported no userErrors.")
        self.session = AsyncSession.model_validate(session.model_dump(by_alias=True))
        self.auth = _token_auth(session, on_refresh)
        self.http.auth = self.auth

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.http.aclose()

    def get_data(self, response: AsyncResponse) -> dict[str, Any]:
        """The answer's `data`; its errors raised as `Unauthenticated`, `Forbidden`, `NotFound`..."""
        return _response_data(response)

    # --- subscriptions: authenticated, errors typed -------------------------------------------

    async def _send_connection_init(self, websocket: Any) -> None:
        if self.auth is not None:
            await self.auth.arefresh_if_expiring(self.http, self.url)
            self.ws_connection_init_payload = self.auth.connection_init_payload()
        await super()._send_connection_init(websocket)

    async def _handle_ws_message(
        self, message: Any, websocket: Any, expected_type: Any = None
    ) -> dict[str, Any] | None:
        try:
            parsed = json.loads(message)
        except (TypeError, ValueError):
            parsed = None
        if isinstance(parsed, dict):
            payload = parsed.get("payload")
            # The generated handler drops a result's errors, and the one that ends a stream with them.
            if parsed.get("type") == "next" and isinstance(payload, dict) and payload.get("errors"):
                raise graphql_error(payload["errors"], payload.get("data"))
            if parsed.get("type") == "error":
                raise graphql_error(payload if isinstance(payload, list) else [payload or {}])
        return await super()._handle_ws_message(message, websocket, expected_type)

    async def execute_ws(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        """The generated subscriptions' transport (graphql-transport-ws), ending only when the server
        sends `complete`. Any close before it raises: `SubscriptionClosed` with the close code (a clean
        1000 or 1001 too: the stream did not end, the connection did), `Unauthenticated` for
        4401/4403. Leaving the iteration early closes the connection."""
        headers = {**self.ws_headers, **kwargs.pop("additional_headers", {})}
        options: dict[str, Any] = {"origin": self.ws_origin, **kwargs, "additional_headers": headers}
        operation_id = str(uuid.uuid4())
        try:
            async with ws_connect(self.ws_url, subprotocols=[live.PROTOCOL], **options) as websocket:
                await self._send_connection_init(websocket)
                try:
                    await asyncio.wait_for(self._wait_for_connection_ack(websocket), live.ACK_TIMEOUT)
                except TimeoutError:
                    raise AtomError(f"No connection_ack within {live.ACK_TIMEOUT:g} seconds.") from None
                await self._send_subscribe(
                    websocket,
                    operation_id=operation_id,
                    query=query,
                    operation_name=operation_name,
                    variables=variables,
                )
                async for message in websocket:
                    if live.message_type(message) == "complete":
                        return
                    data = await self._handle_ws_message(message, websocket)
                    if data and "connection_ack" not in data:
                        yield data
                # The iteration ends without an exception only on a clean close (1000 or 1001).
                raise websocket_closed(websocket.close_code, websocket.close_reason or "")
        except ConnectionClosed as exc:
            frame = exc.rcvd
            raise websocket_closed(frame.code if frame else None, frame.reason if frame else "") from exc

    # --- helpers ------------------------------------------------------------------------------

    async def package_id(self, package: str) -> str:
        """The ID of a package given by full name ("namespace/name"); an ID is returned as it is."""
        if "/" not in package:
            return package
        found = (await self.package(full_name=package)).package
        if found is None:
            raise NotFound(f"No package {package!r}.", code="NOT_FOUND")
        return found.id

    async def _put(self, url: str, method: str, path: Path) -> str:
        digest = hashlib.sha256()
        size = await asyncio.to_thread(os.path.getsize, path)

        async def chunks() -> AsyncIterator[bytes]:
            with path.open("rb") as handle:
                while chunk := await asyncio.to_thread(handle.read, CHUNK):
                    digest.update(chunk)
                    yield chunk

        # Not through `self.http`: a presigned URL carries its own authorization, and an
        # `Authorization` header next to it would be refused by the object store.
        async with httpx.AsyncClient(timeout=self.timeout) as uploads:
            response = await uploads.request(
                method,
                _shared.absolute(self.endpoints.base, url),
                content=chunks(),
                headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
            )
        if not response.is_success:
            raise UploadFailed(response.status_code, response.text)
        return digest.hexdigest()

    async def publish_wpk(
        self,
        path: str | os.PathLike[str],
        *,
        package: str | None = None,
        package_id: str | None = None,
        signing_key: KeyLike | None = None,
        sigstore_bundle: str | os.PathLike[str] | None = None,
        via: Via = "presigned",
    ) -> aio.PackageVersionFields:
        """Upload, sign and publish a WPK artifact as a new version of `package` ("ns/name") or
        `package_id`; returns the SUBMITTED version.

        The sha256 is computed while the bytes stream out (`via="presigned"`: createUpload, then a PUT to
        its URL) or before (`via="multipart"`: one publishVersionUpload request), signed with
        `signing_key` (a registered Ed25519 or ECDSA P-256 key) or given by `sigstore_bundle`, and
        compared with the one the server stored (`ChecksumMismatch`). Refusals raise `UserErrorsError`.
        """
        artifact = Path(path)
        sign = _shared.signer(signing_key, sigstore_bundle)
        target = package_id or await self.package_id(_package_argument(package))
        if via == "multipart":
            # Hashed while copied: the copy is uploaded, so the signature covers the bytes sent.
            # httpx reads a multipart file part synchronously, chunk by chunk, on the event loop.
            handle, digest = await asyncio.to_thread(_snapshot, artifact)
            with handle:
                answer = await self.publish_version_upload(
                    input=aio.PublishVersionUploadInput(
                        package_id=target,
                        file=aio.Upload(artifact.name, handle, "application/octet-stream"),
                        signature=aio.SignatureInput.model_validate(sign(digest)),
                    ),
                    headers=_shared.PREFLIGHT_HEADERS,
                )
            version = raise_for_user_errors(answer.publish_version_upload).version
        elif via == "presigned":
            created = await self.create_upload(input=aio.CreateUploadInput(filename=artifact.name))
            ticket = _required(raise_for_user_errors(created.create_upload).upload, "upload ticket")
            digest = await self._put(ticket.url, ticket.method, artifact)
            published = await self.publish_version(
                input=aio.PublishVersionInput(
                    package_id=target,
                    upload_id=ticket.upload_id,
                    signature=aio.SignatureInput.model_validate(sign(digest)),
                )
            )
            version = raise_for_user_errors(published.publish_version).version
        else:
            raise ValueError(f"via must be 'presigned' or 'multipart', not {via!r}")
        return cast(aio.PackageVersionFields, _checked_version(version, digest))

    async def list_marketplace(
        self,
        query: str | None = None,
        *,
        tags: Sequence[str] | None = None,
        publisher: str | None = None,
        sort: aio.CatalogSort | str | None = None,
        page_size: int = 50,
    ) -> AsyncIterator[aio.PackageFields]:
        """Every catalog package matching `query`, `tags` (all of them) and `publisher` (a namespace),
        fetched `page_size` at a time."""
        where = _catalog_filter(aio.CatalogFilter, tags, publisher) or AIO_UNSET
        order = aio.CatalogSort(sort) if sort is not None else AIO_UNSET
        pages = paginate_async(
            lambda after: self.marketplace_packages(
                query=query if query is not None else AIO_UNSET,
                filter_=where,
                sort=order,
                first=page_size,
                after=after,
            ),
            lambda answer: answer.marketplace_packages,
        )
        async for package in pages:
            yield package

    async def install(self, package: str, version_id: str | None = None) -> aio.InstallFields:
        """Install `package` (full name or ID) in the caller's organization: `version_id`, or the latest
        published version."""
        answer = await self.install_package(
            input=aio.InstallPackageInput(package_id=await self.package_id(package), version_id=version_id)
        )
        return _required(raise_for_user_errors(answer.install_package).install, "install")

    async def approve(self, version_id: str, reason: str | None = None) -> aio.PackageVersionFields:
        """Approve a version as a reviewer (`approveVersion`, which takes a SUBMITTED version into
        review itself); returns it, PUBLISHED once it has the approvals its risk needs."""
        approved = await self.approve_version(input=aio.ReviewInput(version_id=version_id, reason=reason))
        return _required(raise_for_user_errors(approved.approve_version).version, "version")

    @overload
    async def report_usage(self, input: aio.ReportUsageInput, **kwargs: Any) -> aio.ReportUsage: ...

    @overload
    async def report_usage(self, events: Iterable[UsageEventLike], /) -> UsageReport[aio.UsageEventInput]: ...

    async def report_usage(
        self, input: Any = None, events: Any = None, **kwargs: Any
    ) -> aio.ReportUsage | UsageReport[aio.UsageEventInput]:
        """Report usage events (dicts or `UsageEventInput`s) in batches of at most 1,000.

        Missing idempotency keys are generated and `timestamp` defaults to now; the report's `events`
        carry the keys, so sending them again counts nothing twice. A refused batch raises
        `UsageRejected` (a `UserErrorsError`, fields numbered in your list) whose `report` says what
        the batches before it stored.
        With `input=ReportUsageInput(...)` this is the generated mutation.
        """
        if isinstance(input, aio.ReportUsageInput):
            return await super().report_usage(input, **kwargs)
        events = input if events is None else events
        report = UsageReport(events=usage.usage_events(events, aio.UsageEventInput))
        for offset, batch in usage.batches(report):
            answer = (await super().report_usage(aio.ReportUsageInput(events=batch))).report_usage
            try:
                raise_for_user_errors(answer)
            except UserErrorsError as error:
                raise usage.rejected(error, offset, report) from None
            report.accepted += answer.accepted
            report.duplicates += answer.duplicates
        return report

    async def stream_audit(
        self, filter: FilterLike = None, *, after_sequence: int | None = None
    ) -> AsyncGenerator[aio.AuditEntryFields, None]:
        """The organization's new audit entries as they commit. With `after_sequence` (the newest
        `sequence` read, from `audit_log` or an earlier stream), the ones committed after it come
        first, so none is missed in between. Needs `audit:read`."""
        where = _shared.model_or_none(filter, aio.AuditLogFilter)
        stream = cast(
            AsyncGenerator[aio.AuditEvents, None],
            self.audit_events(
                filter_=where if where is not None else AIO_UNSET,
                after_sequence=after_sequence if after_sequence is not None else AIO_UNSET,
            ),
        )
        async with contextlib.aclosing(stream):
            async for event in stream:
                yield event.audit_events


# ---------------------------------------------------------------------------------------------- sync


def _sync_log_in(
    cls: type[AtomClient],
    url: str,
    email: str,
    password: str,
    organization_slug: str | None = None,
    *,
    on_refresh: Callable[[Tokens], None] | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
) -> AtomClient:
    """Log in with e-mail and password: a client acting for the user (in `organization_slug`, or
    their first organization) whose access token refreshes itself. `client.session` is the answer;
    `on_refresh(tokens)` is called with the tokens now and after every refresh (to save them)."""
    client = cls(url, timeout=timeout)
    try:
        answer = sync.AtomGraphQLClient.log_in(
            client, sync.LogInInput(email=email, password=password, organization_slug=organization_slug)
        )
        client._signed_in(raise_for_user_errors(answer.log_in).session, on_refresh)
    except BaseException:
        client.close()
        raise
    return client


def _sync_sign_up(
    cls: type[AtomClient],
    url: str,
    email: str,
    password: str,
    *,
    display_name: str | None = None,
    organization_name: str | None = None,
    organization_slug: str | None = None,
    on_refresh: Callable[[Tokens], None] | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
) -> AtomClient:
    """Create an account (and an organization it owns, when named) and return a client signed in as it."""
    client = cls(url, timeout=timeout)
    try:
        answer = sync.AtomGraphQLClient.sign_up(
            client,
            sync.SignUpInput(
                email=email,
                password=password,
                display_name=display_name,
                organization_name=organization_name,
                organization_slug=organization_slug,
            ),
        )
        client._signed_in(raise_for_user_errors(answer.sign_up).session, on_refresh)
    except BaseException:
        client.close()
        raise
    return client


class AtomClient(sync.AtomGraphQLClient):
    """The blocking client: the same operations and helpers as `AsyncAtomClient`; `stream_audit` is a
    blocking iterator over its own WebSocket.

        with AtomClient("https://atom.example.com", api_key="atom_...") as client:
            ...
    """

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        auth: AtomAuth | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.endpoints = _shared.endpoints(url)
        self.auth = _auth(api_key, auth)
        self.timeout = timeout
        self.session: SyncSession | None = None
        self.http = http_client or httpx.Client(timeout=timeout, headers=dict(headers or {}))
        if self.auth is not None:
            self.http.auth = self.auth
        super().__init__(url=self.endpoints.graphql, http_client=cast(Any, self.http))

    log_in = hybridmethod(_sync_log_in, sync.AtomGraphQLClient.log_in)  # type: ignore[assignment]
    sign_up = hybridmethod(_sync_sign_up, sync.AtomGraphQLClient.sign_up)  # type: ignore[assignment]

    def _signed_in(self, session: Any, on_refresh: Callable[[Tokens], None] | None) -> None:
        if session is None:
            raise AtomError("The server returned no session and reported no userErrors.")
        self.session = SyncSession.model_validate(session.model_dump(by_alias=True))
        self.auth = _token_auth(session, on_refresh)
        self.http.auth = self.auth

    def close(self) -> None:
        """Close the HTTP connections."""
        self.http.close()

    def get_data(self, response: SyncResponse) -> dict[str, Any]:
        """The answer's `data`; its errors raised as `Unauthenticated`, `Forbidden`, `NotFound`..."""
        return _response_data(response)

    def package_id(self, package: str) -> str:
        """The ID of a package given by full name ("namespace/name"); an ID is returned as it is."""
        if "/" not in package:
            return package
        found = self.package(full_name=package).package
        if found is None:
            raise NotFound(f"No package {package!r}.", code="NOT_FOUND")
        return found.id

    def _put(self, url: str, method: str, path: Path) -> str:
        digest = hashlib.sha256()
        size = path.stat().st_size

        def chunks(handle: BinaryIO) -> Iterator[bytes]:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                yield chunk

        # Not through `self.http`: a presigned URL carries its own authorization.
        with httpx.Client(timeout=self.timeout) as uploads, path.open("rb") as handle:
            response = uploads.request(
                method,
                _shared.absolute(self.endpoints.base, url),
                content=chunks(handle),
                headers={"Content-Length": str(size), "Content-Type": "application/octet-stream"},
            )
        if not response.is_success:
            raise UploadFailed(response.status_code, response.text)
        return digest.hexdigest()

    def publish_wpk(
        self,
        path: str | os.PathLike[str],
        *,
        package: str | None = None,
        package_id: str | None = None,
        signing_key: KeyLike | None = None,
        sigstore_bundle: str | os.PathLike[str] | None = None,
        via: Via = "presigned",
    ) -> sync.PackageVersionFields:
        """Upload, sign and publish a WPK artifact; see `AsyncAtomClient.publish_wpk`."""
        artifact = Path(path)
        sign = _shared.signer(signing_key, sigstore_bundle)
        target = package_id or self.package_id(_package_argument(package))
        if via == "multipart":
            # Hashed while copied: the copy is uploaded, so the signature covers the bytes sent.
            handle, digest = _snapshot(artifact)
            with handle:
                answer = self.publish_version_upload(
                    input=sync.PublishVersionUploadInput(
                        package_id=target,
                        file=sync.Upload(artifact.name, handle, "application/octet-stream"),
                        signature=sync.SignatureInput.model_validate(sign(digest)),
                    ),
                    headers=_shared.PREFLIGHT_HEADERS,
                )
            version = raise_for_user_errors(answer.publish_version_upload).version
        elif via == "presigned":
            created = self.create_upload(input=sync.CreateUploadInput(filename=artifact.name))
            ticket = _required(raise_for_user_errors(created.create_upload).upload, "upload ticket")
            digest = self._put(ticket.url, ticket.method, artifact)
            published = self.publish_version(
                input=sync.PublishVersionInput(
                    package_id=target,
                    upload_id=ticket.upload_id,
                    signature=sync.SignatureInput.model_validate(sign(digest)),
                )
            )
            version = raise_for_user_errors(published.publish_version).version
        else:
            raise ValueError(f"via must be 'presigned' or 'multipart', not {via!r}")
        return cast(sync.PackageVersionFields, _checked_version(version, digest))

    def list_marketplace(
        self,
        query: str | None = None,
        *,
        tags: Sequence[str] | None = None,
        publisher: str | None = None,
        sort: sync.CatalogSort | str | None = None,
        page_size: int = 50,
    ) -> Iterator[sync.PackageFields]:
        """Every catalog package matching `query`, `tags` and `publisher`, `page_size` at a time."""
        where = _catalog_filter(sync.CatalogFilter, tags, publisher) or SYNC_UNSET
        order = sync.CatalogSort(sort) if sort is not None else SYNC_UNSET
        return paginate(
            lambda after: self.marketplace_packages(
                query=query if query is not None else SYNC_UNSET,
                filter_=where,
                sort=order,
                first=page_size,
                after=after,
            ),
            lambda answer: answer.marketplace_packages,
        )

    def install(self, package: str, version_id: str | None = None) -> sync.InstallFields:
        """Install `package` (full name or ID): `version_id`, or the latest published version."""
        answer = self.install_package(
            input=sync.InstallPackageInput(package_id=self.package_id(package), version_id=version_id)
        )
        return _required(raise_for_user_errors(answer.install_package).install, "install")

    def approve(self, version_id: str, reason: str | None = None) -> sync.PackageVersionFields:
        """Approve a version as a reviewer; see `AsyncAtomClient.approve`."""
        approved = self.approve_version(input=sync.ReviewInput(version_id=version_id, reason=reason))
        return _required(raise_for_user_errors(approved.approve_version).version, "version")

    @overload
    def report_usage(self, input: sync.ReportUsageInput, **kwargs: Any) -> sync.ReportUsage: ...

    @overload
    def report_usage(self, events: Iterable[UsageEventLike], /) -> UsageReport[sync.UsageEventInput]: ...

    def report_usage(
        self, input: Any = None, events: Any = None, **kwargs: Any
    ) -> sync.ReportUsage | UsageReport[sync.UsageEventInput]:
        """Report usage events in batches of at most 1,000; see `AsyncAtomClient.report_usage`."""
        if isinstance(input, sync.ReportUsageInput):
            return super().report_usage(input, **kwargs)
        events = input if events is None else events
        report = UsageReport(events=usage.usage_events(events, sync.UsageEventInput))
        for offset, batch in usage.batches(report):
            answer = super().report_usage(sync.ReportUsageInput(events=batch)).report_usage
            try:
                raise_for_user_errors(answer)
            except UserErrorsError as error:
                raise usage.rejected(error, offset, report) from None
            report.accepted += answer.accepted
            report.duplicates += answer.duplicates
        return report

    def stream_audit(
        self, filter: FilterLike = None, *, after_sequence: int | None = None
    ) -> Generator[sync.AuditEntryFields, None, None]:
        """The organization's new audit entries as they commit, blocking between them (a WebSocket of
        its own, closed when the iterator is); with `after_sequence`, the ones committed after it
        first. Needs `audit:read`."""
        where = _shared.model_or_none(filter, sync.AuditLogFilter)
        variables: dict[str, Any] = (
            {"filter": where.model_dump(by_alias=True, exclude_unset=True, mode="json")} if where else {}
        )
        if after_sequence is not None:
            variables["afterSequence"] = after_sequence
        if self.auth is not None:
            self.auth.refresh_if_expiring(self.http, self.url)
        stream = live.subscribe(
            self.endpoints.websocket,
            live.AUDIT_EVENTS_DOCUMENT,
            variables=variables,
            operation_name="AuditEvents",
            connection_init_payload=self.auth.connection_init_payload() if self.auth else None,
        )
        with contextlib.closing(cast(Generator[dict[str, Any], None, None], stream)):
            for data in stream:
                yield sync.AuditEntryFields.model_validate(data["auditEvents"])


def _required(value: T | None, what: str) -> T:
    if value is None:
        raise AtomError(f"The server returned no {what} and reported no userErrors.")
    return value


def _package_argument(package: str | None) -> str:
    if package is None:
        raise ValueError("Give package (a full name or ID) or package_id.")
    return package
