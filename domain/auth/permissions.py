"""The permission catalogue and the built-in roles every organization starts with.

A permission is `<resource>:<action>`. Roles are sets of permissions; members and API keys hold
roles; API keys' scopes can only narrow what their roles allow. docs/auth.md renders this table.
"""

from __future__ import annotations

PERMISSIONS: dict[str, str] = {
    "organization:read": "See the organization's name, slug and settings.",
    "organization:write": "Rename the organization and change its settings.",
    "members:read": "List members and pending invitations.",
    "members:invite": "Invite people to the organization.",
    "members:remove": "Remove members from the organization.",
    "roles:read": "List roles, permissions, policy versions; use the policy tester.",
    "roles:write": "Create roles, grant and revoke permissions, assign roles.",
    "api_keys:read": "List API keys (never their secrets).",
    "api_keys:write": "Create and revoke API keys.",
    "packages:read": "Read the organization's private packages and its installs.",
    "packages:publish": "Register publishers and signing identities, upload and publish versions.",
    "packages:review": "Approve or reject package versions submitted for review.",
    "packages:install": "Install, upgrade and uninstall packages.",
    "usage:write": "Report usage events.",
    "billing:read": "Read usage, invoices, plans and revenue.",
    "billing:write": "Change the plan, budgets and payment settings.",
    "audit:read": "Read and export the audit log; verify its chain.",
}

_ALL = frozenset(PERMISSIONS)
_READ = frozenset(p for p in PERMISSIONS if p.endswith(":read"))

BUILTIN_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "owner": ("Everything, including managing owners.", _ALL),
    "admin": (
        "Manages members, roles, keys and installs; no billing changes.",
        _ALL - {"billing:write"},
    ),
    "developer": (
        "Publishes and installs packages, manages API keys, reports usage.",
        frozenset(
            {
                "organization:read",
                "members:read",
                "roles:read",
                "api_keys:read",
                "api_keys:write",
                "packages:read",
                "packages:publish",
                "packages:install",
                "usage:write",
            }
        ),
    ),
    "reviewer": (
        "Reviews package versions.",
        frozenset({"organization:read", "members:read", "roles:read", "packages:read", "packages:review"}),
    ),
    "billing": (
        "Reads and manages billing.",
        frozenset({"organization:read", "members:read", "billing:read", "billing:write"}),
    ),
    "viewer": ("Reads everything a member may read, changes nothing.", _READ - {"audit:read"}),
}

OWNER_ROLE = "owner"
