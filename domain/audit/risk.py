"""The risk classifier: a deterministic level for every audit entry (docs/audit.md renders the table).

1. An action has a base level (`ACTION_RISK`); mutations not listed are LOW, reads are NONE.
2. A DENY (authentication or authorization refused) is one level above the base, at least MEDIUM:
   someone tried something they may not do.
3. A REJECTED change (userErrors other than a denial) is one level below the base: nothing changed.
4. SUCCEEDED and FAILED keep the base level.
"""

from __future__ import annotations

import enum


class Risk(enum.IntEnum):
    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


ACTION_RISK: dict[str, Risk] = {
    # Who may do what: roles, permissions, members, keys.
    "grantPermission": Risk.HIGH,
    "revokePermission": Risk.HIGH,
    "assignRole": Risk.HIGH,
    "unassignRole": Risk.HIGH,
    "createRole": Risk.MEDIUM,
    "createApiKey": Risk.HIGH,
    "revokeApiKey": Risk.MEDIUM,
    "inviteMember": Risk.MEDIUM,
    "acceptInvitation": Risk.MEDIUM,
    "removeMember": Risk.HIGH,
    "createOrganization": Risk.LOW,
    # Whose tokens an organization accepts (P-10).
    "addTrustedIssuer": Risk.HIGH,
    "updateTrustedIssuer": Risk.HIGH,
    "removeTrustedIssuer": Risk.MEDIUM,
    # Platform operations (the `atom` CLI and the server's own workers).
    "signingKeys.rotate": Risk.CRITICAL,
    "organizations.setPlatformOperator": Risk.CRITICAL,
    "audit.checkpoint": Risk.NONE,
    "createAuditCheckpoint": Risk.NONE,
    # The supply chain: who signs, what gets published.
    "registerSigstoreIdentity": Risk.HIGH,
    "registerPublicKey": Risk.HIGH,
    "revokeSigningIdentity": Risk.HIGH,
    "becomePublisher": Risk.MEDIUM,
    "approveVersion": Risk.HIGH,
    "revokeVersion": Risk.HIGH,
    "rejectVersion": Risk.MEDIUM,
    "yankVersion": Risk.MEDIUM,
    "publishVersion": Risk.MEDIUM,
    "publishVersionUpload": Risk.MEDIUM,
    # Money.
    "voidInvoice": Risk.HIGH,
    "markInvoicePaid": Risk.HIGH,
    "finalizeInvoice": Risk.MEDIUM,
    "invoices.closePeriods": Risk.MEDIUM,
    "createPlan": Risk.MEDIUM,
    "setPlanActive": Risk.MEDIUM,
    "createMeter": Risk.MEDIUM,
    "subscribe": Risk.MEDIUM,
    "cancelSubscription": Risk.MEDIUM,
    "stripe.webhook": Risk.MEDIUM,
    # Sessions and routine traffic.
    "signUp": Risk.LOW,
    "logIn": Risk.LOW,
    "refreshToken": Risk.NONE,
    "logOut": Risk.NONE,
    "reportUsage": Risk.NONE,
    "createUpload": Risk.NONE,
    "createDownload": Risk.NONE,
}

# Successful actions after which a live stream must re-check its subscriber's access.
ACCESS_ACTIONS = frozenset(
    {
        "grantPermission",
        "revokePermission",
        "assignRole",
        "unassignRole",
        "removeMember",
        "revokeApiKey",
        "logOut",
        "updateTrustedIssuer",
        "removeTrustedIssuer",
    }
)


def classify(action: str, *, decision: str, outcome: str, read: bool = False) -> Risk:
    base = ACTION_RISK.get(action, Risk.NONE if read else Risk.LOW)
    if decision == "DENY":
        return Risk(min(Risk.CRITICAL, max(Risk.MEDIUM, base + 1)))
    if outcome == "REJECTED":
        return Risk(max(Risk.NONE, base - 1))
    return base
