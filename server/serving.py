"""How the server is served: the one uvicorn configuration, for `atom serve` and for tests' live
servers alike. Proxy headers are believed only from ATOM_TRUSTED_PROXIES (uvicorn's own default
believes them from 127.0.0.1, so any local process could choose the address an audit entry records)."""

from __future__ import annotations

from typing import Any

import uvicorn

from server.settings import Settings


def uvicorn_config(
    app: Any, settings: Settings, *, host: str | None = None, port: int | None = None
) -> uvicorn.Config:
    proxies = list(settings.trusted_proxy_list)
    return uvicorn.Config(
        app,
        host=host or settings.host,
        port=settings.port if port is None else port,
        log_config=None,
        lifespan="on",
        proxy_headers=bool(proxies),
        # Never None: uvicorn would then read FORWARDED_ALLOW_IPS from the environment.
        forwarded_allow_ips=proxies or [],
    )
