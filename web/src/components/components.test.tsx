import { UserErrorsError } from "@atom-cloud/sdk";
import { render, screen } from "@testing-library/react";
import { lazy, Suspense } from "react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formErrors } from "../lib/errors";
import { Findings, groupByRule } from "./Findings";
import { PageErrorBoundary } from "./PageErrorBoundary";
import { PermissionMatrix } from "./PermissionMatrix";
import { ErrorState, FormMessages, TextField } from "./ui";

describe("TextField", () => {
  it("is labelled and shows the server's userErrors next to the input", () => {
    const errors = formErrors(new UserErrorsError([{ field: "input.email", message: "This e-mail is taken.", code: "EMAIL_TAKEN" }]), ["email"]);
    render(<TextField label="E-mail" value="a@b.c" onChange={() => undefined} errors={errors.fields.email} />);
    const input = screen.getByLabelText("E-mail");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("This e-mail is taken.");
  });

  it("describes the input with its hint when there is no error", () => {
    render(<TextField label="Password" hint="At least 10 characters." />);
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription("At least 10 characters.");
    expect(screen.getByLabelText("Password")).not.toHaveAttribute("aria-invalid");
  });
});

describe("error display", () => {
  it("shows general form errors as an alert", () => {
    render(<FormMessages errors={{ fields: {}, general: ["Too many attempts."] }} />);
    expect(screen.getByRole("alert")).toHaveTextContent("Too many attempts.");
  });

  it("offers a retry", async () => {
    const retry = vi.fn();
    render(<ErrorState error={new Error("The server is unreachable")} retry={retry} />);
    expect(screen.getByRole("alert")).toHaveTextContent("The server is unreachable");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(retry).toHaveBeenCalledOnce();
  });
});

describe("PermissionMatrix", () => {
  const roles = [
    { id: "1", name: "owner", description: "", builtin: true, permissions: ["packages:read", "packages:write"] },
    { id: "2", name: "auditor", description: "", builtin: false, permissions: ["packages:read"] },
  ];

  it("has a labelled checkbox per role and permission; built-in roles are read-only", async () => {
    const onToggle = vi.fn();
    render(<PermissionMatrix roles={roles} permissions={["packages:read", "packages:write"]} onToggle={onToggle} />);
    expect(screen.getByLabelText("owner: packages:write")).toBeChecked();
    expect(screen.getByLabelText("owner: packages:write")).toBeDisabled();
    const box = screen.getByLabelText("auditor: packages:write");
    expect(box).not.toBeChecked();
    await userEvent.click(box);
    expect(onToggle).toHaveBeenCalledWith("auditor", "packages:write", true);
    await userEvent.click(screen.getByLabelText("auditor: packages:read"));
    expect(onToggle).toHaveBeenLastCalledWith("auditor", "packages:read", false);
  });
});

describe("Findings", () => {
  const violation = (rule: string, severity: string, message: string) => ({ rule, policy: "p", severity, message, path: null });

  it("groups findings by rule, rules in order", () => {
    const groups = groupByRule([violation("network", "HIGH", "a"), violation("exec", "LOW", "b"), violation("network", "MEDIUM", "c")]);
    expect(groups.map(([rule, list]) => [rule, list.length])).toEqual([["exec", 1], ["network", 2]]);
  });

  it("renders the level and each rule with its count", () => {
    render(
      <Findings analysis={{ score: 70, level: "HIGH", rulesVersion: "1", requiresManualReview: true, violations: [violation("network", "HIGH", "Opens sockets")] }} />,
    );
    expect(screen.getByText("manual review required")).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Findings by rule" })).toHaveTextContent("network (1)");
    expect(screen.getByText(/Opens sockets/)).toBeInTheDocument();
  });
});

describe("PageErrorBoundary", () => {
  afterEach(() => vi.restoreAllMocks());

  it("explains a page chunk that cannot be fetched (a build replaced since) and offers a reload", async () => {
    const Gone = lazy(() => Promise.reject(new TypeError("Failed to fetch dynamically imported module: http://127.0.0.1/assets/Billing-old.js")));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    render(
      <PageErrorBoundary resetKey="/billing">
        <Suspense fallback={<p>Loading the page…</p>}>
          <Gone />
        </Suspense>
      </PageErrorBoundary>,
    );
    expect(await screen.findByRole("alert")).toHaveTextContent("This page could not be loaded");
    expect(screen.getByRole("button", { name: "Reload" })).toBeInTheDocument();
  });

  it("shows a page's render error, and the next page again", () => {
    const Broken = () => {
      throw new Error("No invoice lines");
    };
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { rerender } = render(
      <PageErrorBoundary resetKey="/billing">
        <Broken />
      </PageErrorBoundary>,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("This page failed");
    expect(screen.getByRole("alert")).toHaveTextContent("No invoice lines");
    rerender(
      <PageErrorBoundary resetKey="/audit">
        <p>The audit log</p>
      </PageErrorBoundary>,
    );
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByText("The audit log")).toBeInTheDocument();
  });
});
