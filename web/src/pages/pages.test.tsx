import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { SessionProvider } from "../lib/session";
import { Requires } from "../components/Requires";
import { mergeEntries } from "./Audit";
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
    id, sequence, chain: "c", time: "2026-12-05T10:00:00Z", actor: "u", action: "auth.login", target: null,
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
