/**
 * An audit entry's target named for people ("Role auditors", "Package acme/hello"), from the
 * `targetNode` the server resolved for the reader: null when the entry has no target, when the object
 * is gone, or when the reader may not see it (the page then shows the raw global ID).
 */
import type { AuditTargetFieldsFragment } from "@atom-cloud/sdk";
import { packagePath } from "./routes";

export interface TargetLabel {
  /** What kind of object, e.g. "Package version". */
  kind: string;
  name: string;
  /** A Launchpad page of the object, if it has one. */
  href: string | null;
}

export function targetLabel(node: AuditTargetFieldsFragment | null | undefined): TargetLabel | null {
  if (!node) return null;
  switch (node.__typename) {
    case "Organization":
      return { kind: "Organization", name: node.slug, href: null };
    case "User":
      return { kind: "User", name: node.email ?? node.displayName, href: null };
    case "Membership":
      return node.user ? { kind: "Membership", name: node.user.email ?? node.user.displayName, href: null } : null;
    case "ApiKey":
      return { kind: "API key", name: `${node.name} (${node.prefix}…)`, href: null };
    case "Invitation":
      return { kind: "Invitation", name: node.invitedEmail, href: null };
    case "Role":
      return { kind: "Role", name: node.name, href: null };
    case "PolicyVersion":
      return { kind: "Policy version", name: `v${node.policyNumber}`, href: null };
    case "Publisher":
      return { kind: "Publisher", name: node.namespace, href: null };
    case "Package":
      return { kind: "Package", name: node.fullName, href: packagePath(node.fullName) };
    case "PackageVersion":
      return node.package
        ? { kind: "Package version", name: `${node.package.fullName} v${node.version}`, href: packagePath(node.package.fullName) }
        : { kind: "Package version", name: `v${node.version}`, href: null };
    case "Install":
      return node.package ? { kind: "Install", name: node.package.fullName, href: packagePath(node.package.fullName) } : null;
    case "Meter":
      return { kind: "Meter", name: node.key, href: null };
    case "Plan":
      return { kind: "Plan", name: node.key, href: null };
    case "Invoice":
      return { kind: "Invoice", name: node.invoiceNumber, href: null };
    case "Budget":
      return { kind: "Budget", name: node.name, href: null };
    case "TrustedIssuer":
      return { kind: "Trusted issuer", name: node.name, href: null };
    default:
      return null;
  }
}
