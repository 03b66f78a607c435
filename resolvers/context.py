"""The typed request context: the unit of work, who is calling, per-request loaders and services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from domain.auth.issuers import IssuerKeys, IssuerUrlPolicy
from domain.auth.policies import Authorizer, PolicyEngine
from domain.auth.tokens import TokenService
from domain.marketplace.service import PublishConfig
from domain.principal import Principal
from domain.storage import ObjectStorage

if TYPE_CHECKING:
    from resolvers.loaders import Loaders


@dataclass(frozen=True, slots=True)
class MarketplaceRuntime:
    storage: ObjectStorage
    publish: PublishConfig
    max_upload_bytes: int
    public_url: str
    download_secret: bytes  # signs short-lived download links served by this server
    link_lifetime: timedelta = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class BillingRuntime:
    publisher_share_bps: int = 8000  # the publishers' part of each package charge
    usage_max_future: timedelta = timedelta(minutes=5)  # how far ahead an event may be stamped


@dataclass(frozen=True, slots=True)
class Runtime:
    """Process-wide services, built once by the server."""

    tokens: TokenService
    policy_engine: PolicyEngine
    max_page_size: int
    marketplace: MarketplaceRuntime
    billing: BillingRuntime = BillingRuntime()
    # Trusted issuers' keys (a cache) and which URLs may be registered for them
    issuer_keys: IssuerKeys = field(default_factory=IssuerKeys)
    trusted_issuer_urls: IssuerUrlPolicy = field(default_factory=IssuerUrlPolicy)


@dataclass
class Context(BaseContext):
    session: AsyncSession
    principal: Principal
    runtime: Runtime
    request_id: str
    multipart: bool = False  # the request came as a GraphQL multipart request (file upload)
    authorizer: Authorizer = field(init=False)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        from resolvers.loaders import Loaders

        self.authorizer = Authorizer(self.session, self.runtime.policy_engine)
        self.loaders = Loaders(self.session, self.principal)
