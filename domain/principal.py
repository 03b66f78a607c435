"""Who is calling, for which organization, with which scopes. Built once per request, passed explicitly."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field


class PrincipalKind(enum.StrEnum):
    ANONYMOUS = "anonymous"
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"
    # A token of an issuer the organization trusts (an identity provider or a peer ATOM region).
    FEDERATED = "federated"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    # API keys carry scopes that narrow what their roles allow; None means "not narrowed" (user tokens).
    scopes: frozenset[str] | None = None
    # Federated principals act with the roles their token maps to (never their own Casbin grants),
    # only in the organization that trusts the issuer; None for everyone else.
    roles: frozenset[str] | None = None
    # Federated principals without a mapped user: `ext:<trusted issuer id>:<subject claim>`.
    external_subject: str | None = None
    request_id: str | None = None
    client_address: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return self.kind in (
            PrincipalKind.USER,
            PrincipalKind.API_KEY,
            PrincipalKind.SYSTEM,
            PrincipalKind.FEDERATED,
        )

    @property
    def confined(self) -> bool:
        """Acts for its one organization only: never with its user's rights in other organizations."""
        return self.kind is not PrincipalKind.USER

    @property
    def subject(self) -> str:
        """Who this is, in the audit log and to Casbin: `user:<id>`, `apikey:<id>`, `ext:<issuer>:<sub>`."""
        if self.user_id is not None and self.kind in (PrincipalKind.USER, PrincipalKind.FEDERATED):
            return f"user:{self.user_id}"
        if self.kind is PrincipalKind.API_KEY:
            return f"apikey:{self.api_key_id}"
        if self.external_subject is not None:
            return self.external_subject
        return self.kind.value

    @classmethod
    def anonymous(cls, *, request_id: str | None = None, client_address: str | None = None) -> Principal:
        return cls(PrincipalKind.ANONYMOUS, request_id=request_id, client_address=client_address)

    @classmethod
    def system(cls, *, organization_id: uuid.UUID | None = None) -> Principal:
        return cls(PrincipalKind.SYSTEM, organization_id=organization_id)
