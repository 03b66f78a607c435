"""The typed request context: the unit of work, who is calling, per-request loaders and services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from domain.auth.policies import Authorizer, PolicyEngine
from domain.auth.tokens import TokenService
from domain.principal import Principal

if TYPE_CHECKING:
    from resolvers.loaders import Loaders


@dataclass(frozen=True, slots=True)
class Runtime:
    """Process-wide services, built once by the server."""

    tokens: TokenService
    policy_engine: PolicyEngine
    max_page_size: int


@dataclass
class Context(BaseContext):
    session: AsyncSession
    principal: Principal
    runtime: Runtime
    request_id: str
    authorizer: Authorizer = field(init=False)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        from resolvers.loaders import Loaders

        self.authorizer = Authorizer(self.session, self.runtime.policy_engine)
        self.loaders = Loaders(self.session, self.principal)
