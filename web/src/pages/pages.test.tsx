import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { SessionProvider } from "../lib/session";
import { Requires } from "../components/Requires";
import { mergeEntries } from "./Audit";
import { hear } from "./Publish";
import { SignUpPage, validateSignUp } from "./SignIn";

describe("sign-up form", () => {
  it("checks its fields before asking the server, the errors next to them", async () => {
    render(
      <MemoryRouter>
        <SessionProvider>
          <SignUpPage />
        </SessionProvider>
      </MemoryRouter>,
    );
    await userEvent.type(screen.getByLabelText("E-mail"), "not-an-address");
    await userEvent.type(screen.getByLabelText("Password"), "short");
    await userEvent.type(screen.getByLabelText("Organization slug"), "Not A Slug");
    await userEvent.click(screen.getByRole("button", { name: "Sign up" }));
    expect(screen.getByLabelText("E-mail")).toHaveAccessibleDescription("Enter an e-mail address.");
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/Use at least 10 characters/);
    expect(screen.getByLabelText("Organization slug")).toHaveAccessibleDescription(/Lowercase letters/);
  });

  it("accepts what the server accepts", () => {
    expect(validateSignUp({ email: "a@example.com", password: "correct horse battery", organizationSlug: "acme-2" }).fields).toEqual({});
    expect(validateSignUp({ email: "a@example.com", password: "correct horse battery", organizationSlug: "" }).fields).toEqual({});
  });
});

describe("audit stream", () => {
  const entry = (id: string, sequence: number) => ({
    id, sequence, chain: "c", time: "2026-12-05T10:00:00Z", actor: "u", action: "auth.login", target: null, targetNode: null,
    decision: "ALLOW" as const, outcome: "SUCCEEDED" as const, risk: "LOW" as const, reason: null, requestId: null,
    clientAddress: null, inputDigest: null, prevHash: "", entryHash: "",
  });

  it("merges live entries newest first, each once", () => {
    const merged = mergeEntries([entry("b", 2), entry("a", 1)], [entry("c", 3), entry("b", 2)]);
    expect(merged.map((e) => e.id)).toEqual(["c", "b", "a"]);
  });
});

describe("permissions", () => {
  it("explains a part of a page the signed-in role may not use", () => {
    render(
      <SessionProvider>
        <Requires permission="audit:read" what="The audit log">
          <p>secret entries</p>
        </Requires>
      </SessionProvider>,
    );
    expect(screen.getByRole("note")).toHaveTextContent("The audit log needs the audit:read permission");
    expect(screen.queryByText("secret entries")).toBeNull();
  });
});

describe("publish status", () => {
  it("keeps a live status that overtook the publishing mutation's answer", () => {
    let heard = hear({}, "p1", "1.0.0", "SUBMITTED", true);
    heard = hear(heard, "p1", "1.0.0", "DRAFT", false);
    expect(heard["p1@1.0.0"]).toEqual({ status: "SUBMITTED", live: true });
  });

  it("takes the answer first, then every live transition in order, per version", () => {
    let heard = hear({}, "p1", "1.1.0", "DRAFT", false);
    heard = hear(heard, "p1", "1.1.0", "IN_REVIEW", true);
    heard = hear(heard, "p1", "1.0.0", "YANKED", true);
    heard = hear(heard, "p1", "1.1.0", "PUBLISHED", true);
    expect(heard).toEqual({ "p1@1.1.0": { status: "PUBLISHED", live: true }, "p1@1.0.0": { status: "YANKED", live: true } });
  });
});
