import { AtomError, UserErrorsError } from "@atom-cloud/sdk";
import { describe, expect, it } from "vitest";
import { fieldName, formErrors } from "./errors";

describe("formErrors", () => {
  it("puts userErrors next to their fields by the field path's last segment", () => {
    const error = new UserErrorsError([
      { field: "input.email", message: "This e-mail is taken.", code: "EMAIL_TAKEN" },
      { field: "organizationSlug", message: "Slug taken.", code: "SLUG_TAKEN" },
      { field: null, message: "Try later.", code: "RATE_LIMITED" },
    ]);
    expect(formErrors(error, ["email", "organizationSlug"])).toEqual({
      fields: { email: ["This e-mail is taken."], organizationSlug: ["Slug taken."] },
      general: ["Try later."],
    });
  });

  it("keeps errors of fields the form does not show as general messages", () => {
    const error = new UserErrorsError([{ field: "input.plan", message: "No such plan.", code: "NOT_FOUND" }]);
    expect(formErrors(error, ["email"])).toEqual({ fields: {}, general: ["No such plan."] });
  });

  it("shows other errors as one message", () => {
    expect(formErrors(new AtomError("Network down"))).toEqual({ fields: {}, general: ["Network down"] });
    expect(formErrors(null)).toEqual({ fields: {}, general: [] });
  });

  it("names fields by their last segment", () => {
    expect(fieldName("input.trust.jwksUrl")).toBe("jwksUrl");
    expect(fieldName(null)).toBeNull();
  });
});
