"""HTTP to URLs that an organization chose (trusted issuers' JWKS URLs), kept off private networks.

A tenant admin picks these URLs, so in production the server must not become a probe of its own
network: cloud metadata at 169.254.169.254, loopback services, RFC 1918 hosts. The check runs on
the addresses the host name resolves to, when the connection is made, and the connection goes to an
address that passed the check, so DNS rebinding between the check and the connection gets nowhere.
TLS still verifies the certificate against the host name. Development allows private addresses
(a local identity provider); production refuses them unless
ATOM_TRUSTED_ISSUER_ALLOW_PRIVATE_ADDRESSES says otherwise.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


def is_public(address: str) -> bool:
    """Whether an IP address is globally routable unicast (an IPv4-mapped IPv6 address counts as its
    IPv4 address; a zone index is ignored)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def literal_address(host: str) -> str | None:
    """The host as an IP address when it is one (`[::1]` included), else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


class _PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving names itself and connecting to public addresses only."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"{host} does not resolve ({exc})") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        refused = [address for address in addresses if not is_public(address)]
        if refused or not addresses:
            # one private answer refuses the name: it may be the one a retry would use
            raise httpcore.ConnectError(f"{host} resolves to a non-public address ({refused[0]})")
        error: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("no Unix sockets for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def client(*, timeout: float, allow_private_addresses: bool) -> httpx.AsyncClient:
    """An httpx client with no redirects and no proxy from the environment; with
    `allow_private_addresses` False, it connects to public addresses only."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    if not allow_private_addresses:
        # httpx has no public hook for httpcore's network backend: its pool is built again with ours
        # (tests/auth/test_trusted_issuers.py fails if this stops taking effect)
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_PublicOnlyBackend()
        )
    return httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False, trust_env=False)
