import { describe, expect, it } from "vitest";
import { targetLabel } from "./targets";

describe("audit targets", () => {
  it("names an object by what people know it by, linking the ones with a page", () => {
    expect(targetLabel({ __typename: "Role", id: "r", name: "auditors" })).toEqual({ kind: "Role", name: "auditors", href: null });
    expect(targetLabel({ __typename: "Package", id: "p", fullName: "acme/hello" })).toEqual({ kind: "Package", name: "acme/hello", href: "/packages/acme/hello" });
    expect(targetLabel({ __typename: "PackageVersion", id: "v", version: "1.2.0", package: { id: "p", fullName: "acme/hello" } })).toEqual({
      kind: "Package version",
      name: "acme/hello v1.2.0",
      href: "/packages/acme/hello",
    });
    expect(targetLabel({ __typename: "ApiKey", id: "k", name: "ci", prefix: "atom_ab12" })?.name).toBe("ci (atom_ab12…)");
    expect(targetLabel({ __typename: "Invoice", id: "i", invoiceNumber: "ACME-0001" })?.name).toBe("ACME-0001");
    expect(targetLabel({ __typename: "User", id: "u", displayName: "Ada", email: null })?.name).toBe("Ada");
  });

  it("has no name where the server found nothing to show", () => {
    expect(targetLabel(null)).toBeNull();
    expect(targetLabel(undefined)).toBeNull();
    expect(targetLabel({ __typename: "Membership", id: "m", user: null })).toBeNull();
    expect(targetLabel({ __typename: "AuditCheckpoint", id: "c" })).toBeNull();
  });
});
