"""GraphQL types of the auth area: organizations, users, members, API keys, roles and policies."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import PermissionExtension
from strawberry.types import Info

from domain.auth import models
from domain.auth.errors import AuthErrorCode as DomainAuthErrorCode
from domain.auth.permissions import PERMISSIONS
from domain.auth.policies import Decision
from domain.auth.service import SessionTokens
from domain.clock import clock
from domain.pagination import PageRequest
from resolvers import auth as resolve
from resolvers.context import Context
from resolvers.errors import UserErrorData
from resolvers.ids import to_global_id
from resolvers.mutations import Outcome
from resolvers.permissions import IsAuthenticated, allowed_in, needs, require_in
from schema.errors import UserError
from schema.node import register_node
from schema.relay import Connection, Node, NodeT, connection, page_request

if TYPE_CHECKING:
    from schema.issuers import TrustedIssuer

AuthErrorCode = strawberry.enum(
    DomainAuthErrorCode, name="AuthErrorCode", description="Why an auth mutation failed."
)

PageArgs = dict[str, Any]


@strawberry.type(description="A failure of an auth mutation.")
class AuthError(UserError):
    code: AuthErrorCode  # type: ignore[valid-type]


def auth_errors(errors: list[UserErrorData]) -> list[AuthError]:
    known = set(DomainAuthErrorCode)
    return [
        AuthError(
            field=e.field,
            message=e.message,
            code=DomainAuthErrorCode(e.code) if e.code in known else DomainAuthErrorCode.INVALID,
        )
        for e in errors
    ]


# ---------------------------------------------------------------- object types


@strawberry.federation.type(keys=["id"], description="A tenant: everything in ATOM Cloud belongs to one.")
class Organization(Node):
    id: strawberry.ID
    slug: str
    name: str
    created_at: datetime
    platform_operator: bool = strawberry.field(
        description="It runs the platform: manages meters, plans and invoices and reads all revenue."
    )
    marketplace_reviewer: bool = strawberry.field(
        description="Its reviewers may review other organizations' public packages."
    )
    pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Organization) -> Organization:
        return cls(
            id=strawberry.ID(to_global_id("Organization", m.id)),
            slug=m.slug,
            name=m.name,
            created_at=m.created_at,
            platform_operator=m.platform_operator,
            marketplace_reviewer=m.marketplace_reviewer,
            pk=m.id,
        )

    @strawberry.field(description="Members of the organization. Needs members:read.")
    async def members(
        self,
        info: Info[Context, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Membership]:
        request = page_request(first, after, last, before)
        return await _tenant_connection(
            info, self.pk, "members:read", models.Membership, Membership.from_model, request
        )

    @strawberry.field(description="Pending and past invitations. Needs members:read.")
    async def invitations(
        self,
        info: Info[Context, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Invitation]:
        request = page_request(first, after, last, before)
        return await _tenant_connection(
            info, self.pk, "members:read", models.Invitation, Invitation.from_model, request
        )

    @strawberry.field(description="API keys (never their secrets). Needs api_keys:read.")
    async def api_keys(
        self,
        info: Info[Context, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ApiKey]:
        request = page_request(first, after, last, before)
        return await _tenant_connection(
            info, self.pk, "api_keys:read", models.ApiKey, ApiKey.from_model, request
        )

    @strawberry.field(description="Built-in and custom roles. Needs roles:read.")
    async def roles(self, info: Info[Context, Any]) -> list[Role]:
        await require_in(info, self.pk, "roles:read")
        return [Role.from_model(r) for r in await resolve.roles(info.context, self.pk)]

    @strawberry.field(
        description="Identity providers and peer regions whose tokens it accepts. Needs roles:read."
    )
    async def trusted_issuers(
        self, info: Info[Context, Any]
    ) -> list[Annotated[TrustedIssuer, strawberry.lazy("schema.issuers")]]:
        from schema.issuers import trusted_issuers_of

        await require_in(info, self.pk, "roles:read")
        return await trusted_issuers_of(info, self.pk)

    @strawberry.field(description="Every version of the policy set, oldest first. Needs roles:read.")
    async def policy_versions(
        self,
        info: Info[Context, Any],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PolicyVersion]:
        request = page_request(first, after, last, before)
        return await _tenant_connection(
            info, self.pk, "roles:read", models.PolicyVersion, PolicyVersion.from_model, request
        )

    @strawberry.field(description="The policy set in force. Needs roles:read.")
    async def policy_version(self, info: Info[Context, Any]) -> PolicyVersion | None:
        await require_in(info, self.pk, "roles:read")
        version = await resolve.latest_policy_version(info.context, self.pk)
        return PolicyVersion.from_model(version) if version else None

    @strawberry.field(description="The caller's own permissions in this organization.")
    async def viewer_permissions(self, info: Info[Context, Any]) -> list[str]:
        return [p for p in sorted(PERMISSIONS) if await allowed_in(info, self.pk, p)]


async def _tenant_connection(
    info: Info[Context, Any],
    organization_id: uuid.UUID,
    permission: str,
    model: type[resolve.TenantModel],
    convert: Callable[[Any], NodeT],
    request: PageRequest,
) -> Connection[NodeT]:
    """A page of an organization's `model` rows, for a caller holding `permission` there."""
    await require_in(info, organization_id, permission)
    page = await resolve.organization_rows(info.context, model, organization_id, request)
    return connection(page, convert, lambda row: row.id)


@strawberry.federation.type(keys=["id"], description="A person with an account.")
class User(Node):
    id: strawberry.ID
    display_name: str
    created_at: datetime
    pk: strawberry.Private[uuid.UUID]
    email_value: strawberry.Private[str]
    # True where the user is the one signing in (the request itself is still anonymous then).
    own_session: strawberry.Private[bool] = False

    @classmethod
    def from_model(cls, m: models.User, *, own_session: bool = False) -> User:
        return cls(
            id=strawberry.ID(to_global_id("User", m.id)),
            display_name=m.display_name,
            created_at=m.created_at,
            pk=m.id,
            email_value=m.email,
            own_session=own_session,
        )

    @strawberry.field(description="Visible to the user and to members holding members:read (P-1).")
    async def email(self, info: Info[Context, Any]) -> str | None:
        principal = info.context.principal
        if self.own_session or principal.user_id == self.pk:
            return self.email_value
        if principal.organization_id is not None and await allowed_in(
            info, principal.organization_id, "members:read"
        ):
            return self.email_value
        return None


@strawberry.type(description="A user's membership of an organization, with the roles it holds there.")
class Membership(Node):
    id: strawberry.ID
    created_at: datetime
    pk: strawberry.Private[uuid.UUID]
    organization_pk: strawberry.Private[uuid.UUID]
    user_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Membership) -> Membership:
        return cls(
            id=strawberry.ID(to_global_id("Membership", m.id)),
            created_at=m.created_at,
            pk=m.id,
            organization_pk=m.organization_id,
            user_pk=m.user_id,
        )

    @strawberry.field
    async def organization(self, info: Info[Context, Any]) -> Organization | None:
        org = await info.context.loaders.organization_by_id.load(self.organization_pk)
        return Organization.from_model(org) if org else None

    @strawberry.field
    async def user(self, info: Info[Context, Any]) -> User | None:
        user = await info.context.loaders.user_by_id.load(self.user_pk)
        return User.from_model(user) if user else None

    @strawberry.field(description="Names of the roles this member holds in the organization.")
    async def roles(self, info: Info[Context, Any]) -> list[str]:
        return await info.context.loaders.roles_by_subject.load(
            (self.organization_pk, f"user:{self.user_pk}")
        )


@strawberry.enum(description="Where an invitation stands.")
class InvitationStatus(enum.Enum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


@strawberry.type(description="An invitation to join an organization with a role.")
class Invitation(Node):
    id: strawberry.ID
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, m: models.Invitation) -> Invitation:
        return cls(
            id=strawberry.ID(to_global_id("Invitation", m.id)),
            email=m.email,
            role=m.role,
            created_at=m.created_at,
            expires_at=m.expires_at,
            accepted_at=m.accepted_at,
            revoked_at=m.revoked_at,
        )

    @strawberry.field
    def status(self) -> InvitationStatus:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= clock.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


@strawberry.type(description="An API key of an organization. Its secret is shown once, at creation.")
class ApiKey(Node):
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="The visible part of the key, `atom_<prefix>_…`.")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    pk: strawberry.Private[uuid.UUID]
    organization_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.ApiKey) -> ApiKey:
        return cls(
            id=strawberry.ID(to_global_id("ApiKey", m.id)),
            name=m.name,
            prefix=m.prefix,
            scopes=list(m.scopes),
            created_at=m.created_at,
            expires_at=m.expires_at,
            revoked_at=m.revoked_at,
            last_used_at=m.last_used_at,
            pk=m.id,
            organization_pk=m.organization_id,
        )

    @strawberry.field(description="Names of the roles the key holds.")
    async def roles(self, info: Info[Context, Any]) -> list[str]:
        return await info.context.loaders.roles_by_subject.load((self.organization_pk, f"apikey:{self.pk}"))


@strawberry.type(description="A named set of permissions.")
class Role(Node):
    id: strawberry.ID
    name: str
    description: str
    builtin: bool
    pk: strawberry.Private[uuid.UUID]
    organization_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, m: models.Role) -> Role:
        return cls(
            id=strawberry.ID(to_global_id("Role", m.id)),
            name=m.name,
            description=m.description,
            builtin=m.builtin,
            pk=m.id,
            organization_pk=m.organization_id,
        )

    @strawberry.field
    async def permissions(self, info: Info[Context, Any]) -> list[str]:
        return await info.context.loaders.permissions_by_role.load((self.organization_pk, self.name))


@strawberry.type(description="A permission of the catalogue, `<resource>:<action>`.")
class Permission:
    name: str
    description: str


@strawberry.type(
    description="One Casbin rule: `p` grants a permission to a role; `g` gives a subject a role."
)
class PolicyRule:
    ptype: str
    subject: str
    domain: str
    resource: str | None
    action: str | None
    role: str | None

    @classmethod
    def from_row(cls, row: list[str] | tuple[str, ...]) -> PolicyRule:
        ptype, v0, v1, v2, v3 = (list(row) + [""] * 5)[:5]
        if ptype == "g":
            return cls(ptype="g", subject=v0, role=v1, domain=v2, resource=None, action=None)
        return cls(ptype=ptype, subject=v0, domain=v1, resource=v2, action=v3, role=None)


@strawberry.type(
    description="The policy set of an organization after one change, identified by its content hash."
)
class PolicyVersion(Node):
    id: strawberry.ID
    number: int
    content_hash: str = strawberry.field(description="SHA-256 of the canonical JSON of the sorted rules.")
    created_at: datetime
    created_by: str
    summary: str
    raw_rules: strawberry.Private[list[list[str]]]

    @classmethod
    def from_model(cls, m: models.PolicyVersion) -> PolicyVersion:
        return cls(
            id=strawberry.ID(to_global_id("PolicyVersion", m.id)),
            number=m.number,
            content_hash=m.content_hash,
            created_at=m.created_at,
            created_by=m.created_by,
            summary=m.summary,
            raw_rules=m.rules,
        )

    @strawberry.field
    def rules(self) -> list[PolicyRule]:
        return [PolicyRule.from_row(r) for r in self.raw_rules]


@strawberry.type(description="What changed between two policy versions.")
class PolicyDiff:
    from_version: PolicyVersion
    to_version: PolicyVersion
    added: list[PolicyRule]
    removed: list[PolicyRule]


@strawberry.type(description="The answer of the policy tester.")
class AuthorizationDecision:
    allowed: bool
    permission: str
    reason: str
    rule: PolicyRule | None = strawberry.field(description="The rule that allowed it; null when denied.")
    policy_version: int | None

    @classmethod
    def from_decision(cls, d: Decision) -> AuthorizationDecision:
        return cls(
            allowed=d.allowed,
            permission=d.permission,
            reason=d.reason,
            rule=PolicyRule.from_row(d.rule) if d.rule else None,
            policy_version=d.policy_version,
        )


@strawberry.type(description="Who is calling: a user (with its organizations) or an API key.")
class Viewer:
    @strawberry.field
    async def user(self, info: Info[Context, Any]) -> User | None:
        user = await resolve.viewer_user(info.context)
        return User.from_model(user) if user else None

    @strawberry.field(description="The API key making the call, if one is.")
    async def api_key(self, info: Info[Context, Any]) -> ApiKey | None:
        key = await resolve.viewer_api_key(info.context)
        return ApiKey.from_model(key) if key else None

    @strawberry.field(description="The organization the caller acts for (the token's organization).")
    async def organization(self, info: Info[Context, Any]) -> Organization | None:
        org = await resolve.active_organization(info.context)
        return Organization.from_model(org) if org else None

    @strawberry.field
    async def organizations(self, info: Info[Context, Any]) -> list[Organization]:
        return [Organization.from_model(o) for o in await resolve.viewer_organizations(info.context)]

    @strawberry.field
    async def memberships(self, info: Info[Context, Any]) -> list[Membership]:
        return [Membership.from_model(m) for m in await resolve.viewer_memberships(info.context)]

    @strawberry.field(description="The caller's permissions in the organization it acts for.")
    async def permissions(self, info: Info[Context, Any]) -> list[str]:
        return await resolve.viewer_permissions(info.context)


@strawberry.type(description="Tokens of a signed-in session.")
class AuthSession:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str = strawberry.field(description="Single use: each refresh returns a new one.")
    refresh_token_expires_at: datetime
    user: User
    organization: Organization | None

    @classmethod
    def from_tokens(cls, t: SessionTokens) -> AuthSession:
        return cls(
            access_token=t.access_token,
            access_token_expires_at=t.access_token_expires_at,
            refresh_token=t.refresh_token,
            refresh_token_expires_at=t.refresh_token_expires_at,
            user=User.from_model(t.user, own_session=True),
            organization=Organization.from_model(t.organization) if t.organization else None,
        )


# ---------------------------------------------------------------- node lookup

register_node("Organization", "organization_by_id", Organization)
register_node("User", "user_by_id", User)
register_node("Membership", "membership_by_id", Membership)
register_node("ApiKey", "api_key_by_id", ApiKey, "api_keys:read")
register_node("Invitation", "invitation_by_id", Invitation, "members:read")
register_node("Role", "role_by_id", Role, "roles:read")
register_node("PolicyVersion", "policy_version_by_id", PolicyVersion, "roles:read")


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input
class SignUpInput:
    email: str
    password: str
    display_name: str | None = None
    organization_name: str | None = strawberry.field(default=None, description="Also create an organization.")
    organization_slug: str | None = None


@strawberry.input
class LogInInput:
    email: str
    password: str
    organization_slug: str | None = strawberry.field(
        default=None, description="The organization to act for; defaults to the user's first."
    )


@strawberry.input
class RefreshTokenInput:
    refresh_token: str
    organization_slug: str | None = strawberry.field(
        default=None, description="Switch organization on refresh."
    )


@strawberry.input
class LogOutInput:
    refresh_token: str


@strawberry.input
class CreateOrganizationInput:
    name: str
    slug: str


@strawberry.input
class InviteMemberInput:
    email: str
    role: str = "developer"


@strawberry.input
class AcceptInvitationInput:
    token: str


@strawberry.input
class RemoveMemberInput:
    membership_id: strawberry.ID


@strawberry.input
class CreateApiKeyInput:
    name: str
    scopes: list[str] = strawberry.field(description="Permissions the key may use; narrows its roles.")
    roles: list[str] = strawberry.field(default_factory=lambda: ["developer"])
    expires_at: datetime | None = None


@strawberry.input
class RevokeApiKeyInput:
    api_key_id: strawberry.ID


@strawberry.input
class CreateRoleInput:
    name: str
    description: str = ""
    permissions: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class RolePermissionInput:
    role: str
    permission: str


@strawberry.input
class RoleAssignmentInput:
    subject_id: strawberry.ID = strawberry.field(description="A Membership, User or ApiKey ID.")
    role: str


@strawberry.type
class SessionPayload:
    session: AuthSession | None = None
    user_errors: list[AuthError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, outcome: Outcome[SessionTokens]) -> Any:
        return cls(
            session=AuthSession.from_tokens(outcome.result) if outcome.result else None,
            user_errors=auth_errors(outcome.user_errors),
        )


@strawberry.type
class SignUpPayload(SessionPayload):
    pass


@strawberry.type
class LogInPayload(SessionPayload):
    pass


@strawberry.type
class RefreshTokenPayload(SessionPayload):
    pass


@strawberry.type
class LogOutPayload:
    ok: bool
    user_errors: list[AuthError]


@strawberry.type
class CreateOrganizationPayload:
    organization: Organization | None
    user_errors: list[AuthError]


@strawberry.type
class InviteMemberPayload:
    invitation: Invitation | None
    token: str | None = strawberry.field(
        description="The invitation token, shown once; send it to the invitee."
    )
    user_errors: list[AuthError]


@strawberry.type
class AcceptInvitationPayload:
    membership: Membership | None
    user_errors: list[AuthError]


@strawberry.type
class RemoveMemberPayload:
    removed_membership_id: strawberry.ID | None
    user_errors: list[AuthError]


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None
    secret: str | None = strawberry.field(description="The whole key, shown this once. Store it now.")
    user_errors: list[AuthError]


@strawberry.type
class RevokeApiKeyPayload:
    api_key: ApiKey | None
    user_errors: list[AuthError]


@strawberry.type
class RolePayload:
    role: Role | None
    user_errors: list[AuthError]


@strawberry.type
class RoleAssignmentPayload:
    subject_id: strawberry.ID | None
    roles: list[str] | None
    user_errors: list[AuthError]


def _authenticated() -> list[FieldExtension]:
    return [PermissionExtension(permissions=[IsAuthenticated()])]


# ---------------------------------------------------------------- root fields


@strawberry.type
class AuthQuery:
    @strawberry.field(description="Who is calling. Anonymous callers get a viewer with no user.")
    def viewer(self) -> Viewer:
        return Viewer()

    @strawberry.field(description="An organization of the caller by slug; null for any other.")
    async def organization(self, info: Info[Context, Any], slug: str) -> Organization | None:
        org = await resolve.organization_by_slug(info.context, slug)
        return Organization.from_model(org) if org else None

    @strawberry.field(description="The permission catalogue.")
    def permissions(self) -> list[Permission]:
        return [Permission(name=k, description=v) for k, v in sorted(PERMISSIONS.items())]

    @strawberry.field(
        description="Policy tester: would this member or API key be allowed `resource:action` here?",
        extensions=needs("roles:read"),
    )
    async def authorize(
        self,
        info: Info[Context, Any],
        subject_id: Annotated[
            strawberry.ID, strawberry.argument(description="A Membership, User or ApiKey ID.")
        ],
        resource: str,
        action: str,
    ) -> AuthorizationDecision:
        decision = await resolve.authorize(
            info.context, subject_id=str(subject_id), resource=resource, action=action
        )
        return AuthorizationDecision.from_decision(decision)

    @strawberry.field(
        description="Rules added and removed between two policy versions.", extensions=needs("roles:read")
    )
    async def policy_diff(
        self,
        info: Info[Context, Any],
        from_version: Annotated[int, strawberry.argument(name="from")],
        to_version: Annotated[int, strawberry.argument(name="to")],
    ) -> PolicyDiff:
        older, newer, added, removed = await resolve.policy_diff(
            info.context, from_version=from_version, to_version=to_version
        )
        return PolicyDiff(
            from_version=PolicyVersion.from_model(older),
            to_version=PolicyVersion.from_model(newer),
            added=[PolicyRule.from_row(r) for r in added],
            removed=[PolicyRule.from_row(r) for r in removed],
        )


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Create an account (and optionally an organization); signs in.")
    async def sign_up(self, info: Info[Context, Any], input: SignUpInput) -> SignUpPayload:
        outcome = await resolve.sign_up(
            info.context,
            email=input.email,
            password=input.password,
            display_name=input.display_name,
            organization_name=input.organization_name,
            organization_slug=input.organization_slug,
        )
        return SignUpPayload.of(outcome)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Exchange e-mail and password for an access and a refresh token.")
    async def log_in(self, info: Info[Context, Any], input: LogInInput) -> LogInPayload:
        outcome = await resolve.log_in(
            info.context,
            email=input.email,
            password=input.password,
            organization_slug=input.organization_slug,
        )
        return LogInPayload.of(outcome)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Rotate a refresh token. Reusing a spent one revokes its whole family.")
    async def refresh_token(self, info: Info[Context, Any], input: RefreshTokenInput) -> RefreshTokenPayload:
        outcome = await resolve.refresh_token(
            info.context, refresh_token=input.refresh_token, organization_slug=input.organization_slug
        )
        return RefreshTokenPayload.of(outcome)  # type: ignore[no-any-return]

    @strawberry.mutation(description="End a session: its refresh-token family is revoked.")
    async def log_out(self, info: Info[Context, Any], input: LogOutInput) -> LogOutPayload:
        outcome = await resolve.log_out(info.context, refresh_token=input.refresh_token)
        return LogOutPayload(ok=bool(outcome.result), user_errors=auth_errors(outcome.user_errors))

    @strawberry.mutation(
        description="Create an organization; the caller becomes its owner.", extensions=_authenticated()
    )
    async def create_organization(
        self, info: Info[Context, Any], input: CreateOrganizationInput
    ) -> CreateOrganizationPayload:
        outcome = await resolve.create_organization(info.context, name=input.name, slug=input.slug)
        return CreateOrganizationPayload(
            organization=Organization.from_model(outcome.result) if outcome.result else None,
            user_errors=auth_errors(outcome.user_errors),
        )

    @strawberry.mutation(
        description="Invite someone by e-mail with a role.", extensions=needs("members:invite")
    )
    async def invite_member(self, info: Info[Context, Any], input: InviteMemberInput) -> InviteMemberPayload:
        outcome = await resolve.invite_member(info.context, email=input.email, role=input.role)
        invitation, token = outcome.result if outcome.result else (None, None)
        return InviteMemberPayload(
            invitation=Invitation.from_model(invitation) if invitation else None,
            token=token,
            user_errors=auth_errors(outcome.user_errors),
        )

    @strawberry.mutation(
        description="Join an organization with an invitation token.", extensions=_authenticated()
    )
    async def accept_invitation(
        self, info: Info[Context, Any], input: AcceptInvitationInput
    ) -> AcceptInvitationPayload:
        outcome = await resolve.accept_invitation(info.context, token=input.token)
        return AcceptInvitationPayload(
            membership=Membership.from_model(outcome.result) if outcome.result else None,
            user_errors=auth_errors(outcome.user_errors),
        )

    @strawberry.mutation(description="Remove a member (or leave).", extensions=needs("members:remove"))
    async def remove_member(self, info: Info[Context, Any], input: RemoveMemberInput) -> RemoveMemberPayload:
        outcome = await resolve.remove_member(info.context, membership_id=str(input.membership_id))
        return RemoveMemberPayload(
            removed_membership_id=input.membership_id if outcome.result else None,
            user_errors=auth_errors(outcome.user_errors),
        )

    @strawberry.mutation(
        description="Create an API key; its secret is returned once.", extensions=needs("api_keys:write")
    )
    async def create_api_key(self, info: Info[Context, Any], input: CreateApiKeyInput) -> CreateApiKeyPayload:
        outcome = await resolve.create_api_key(
            info.context, name=input.name, scopes=input.scopes, roles=input.roles, expires_at=input.expires_at
        )
        key, secret = outcome.result if outcome.result else (None, None)
        return CreateApiKeyPayload(
            api_key=ApiKey.from_model(key) if key else None,
            secret=secret,
            user_errors=auth_errors(outcome.user_errors),
        )

    @strawberry.mutation(description="Revoke an API key at once.", extensions=needs("api_keys:write"))
    async def revoke_api_key(self, info: Info[Context, Any], input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
        outcome = await resolve.revoke_api_key(info.context, api_key_id=str(input.api_key_id))
        return RevokeApiKeyPayload(
            api_key=ApiKey.from_model(outcome.result) if outcome.result else None,
            user_errors=auth_errors(outcome.user_errors),
        )

    @strawberry.mutation(description="Create a custom role.", extensions=needs("roles:write"))
    async def create_role(self, info: Info[Context, Any], input: CreateRoleInput) -> RolePayload:
        outcome = await resolve.create_role(
            info.context, name=input.name, description=input.description, permissions=input.permissions
        )
        return _role_payload(outcome)

    @strawberry.mutation(description="Grant a permission to a custom role.", extensions=needs("roles:write"))
    async def grant_permission(self, info: Info[Context, Any], input: RolePermissionInput) -> RolePayload:
        outcome = await resolve.set_role_permission(
            info.context, role=input.role, permission=input.permission, granted=True
        )
        return _role_payload(outcome)

    @strawberry.mutation(
        description="Revoke a permission from a custom role.", extensions=needs("roles:write")
    )
    async def revoke_permission(self, info: Info[Context, Any], input: RolePermissionInput) -> RolePayload:
        outcome = await resolve.set_role_permission(
            info.context, role=input.role, permission=input.permission, granted=False
        )
        return _role_payload(outcome)

    @strawberry.mutation(description="Give a member or API key a role.", extensions=needs("roles:write"))
    async def assign_role(
        self, info: Info[Context, Any], input: RoleAssignmentInput
    ) -> RoleAssignmentPayload:
        return await _assignment(info, input, assigned=True)

    @strawberry.mutation(description="Take a role from a member or API key.", extensions=needs("roles:write"))
    async def unassign_role(
        self, info: Info[Context, Any], input: RoleAssignmentInput
    ) -> RoleAssignmentPayload:
        return await _assignment(info, input, assigned=False)


def _role_payload(outcome: Outcome[models.Role]) -> RolePayload:
    return RolePayload(
        role=Role.from_model(outcome.result) if outcome.result else None,
        user_errors=auth_errors(outcome.user_errors),
    )


async def _assignment(
    info: Info[Context, Any], input: RoleAssignmentInput, *, assigned: bool
) -> RoleAssignmentPayload:
    outcome = await resolve.set_role_assignment(
        info.context, subject_id=str(input.subject_id), role=input.role, assigned=assigned
    )
    roles = None
    if outcome.result is not None and info.context.principal.organization_id is not None:
        info.context.loaders.roles_by_subject.clear_all()
        roles = await info.context.loaders.roles_by_subject.load(
            (info.context.principal.organization_id, outcome.result)
        )
    return RoleAssignmentPayload(
        subject_id=input.subject_id if outcome.result else None,
        roles=roles,
        user_errors=auth_errors(outcome.user_errors),
    )
