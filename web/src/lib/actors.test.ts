import { describe, expect, it } from "vitest";
import { actorFilter, actorNames, nameActorsIn, uuidOfGlobalId } from "./actors";

// Global IDs as the server makes them (domain.ids.to_global_id).
const ADA = "VXNlcjowMTkzOGE1Mi03YzFlLTdiM2EtOWYwMC0xMjM0NTY3ODkwYWI"; // User:01938a52-7c1e-7b3a-9f00-1234567890ab
const BOB = "VXNlcjowMTkzOGE1Mi03YzFlLTdiM2EtOWYwMC0xMjM0NTY3ODkwZmY"; // User:01938a52-7c1e-7b3a-9f00-1234567890ff
const KEY = "QXBpS2V5OjAxOTM4YTUyLTdjMWUtN2IzYS05ZjAwLTEyMzQ1Njc4OTBhYg"; // ApiKey:01938a52-…-1234567890ab

describe("audit actors", () => {
  it("reads the UUID of a global ID of the given type only", () => {
    expect(uuidOfGlobalId(ADA, "User")).toBe("01938a52-7c1e-7b3a-9f00-1234567890ab");
    expect(uuidOfGlobalId(KEY, "User")).toBeNull();
    expect(uuidOfGlobalId(KEY, "ApiKey")).toBe("01938a52-7c1e-7b3a-9f00-1234567890ab");
    expect(uuidOfGlobalId("not base64!", "User")).toBeNull();
  });

  it("names user actors after the members, by e-mail or, without one, by name", () => {
    const names = actorNames([
      { user: { id: ADA, email: "ada@example.com", displayName: "Ada" } },
      { user: { id: BOB, email: null, displayName: "Bob" } },
      { user: null },
    ]);
    expect(names.get("user:01938a52-7c1e-7b3a-9f00-1234567890ab")).toEqual({ email: "ada@example.com", displayName: "Ada" });
    expect(names.get("user:01938a52-7c1e-7b3a-9f00-1234567890ff")).toEqual({ email: null, displayName: "Bob" });
    expect(names.size).toBe(2);
  });

  it("filters by a member's e-mail as their actor id, anything else as typed", () => {
    const names = actorNames([{ user: { id: ADA, email: "ada@example.com", displayName: "Ada" } }]);
    expect(actorFilter(" Ada@Example.com ", names)).toBe("user:01938a52-7c1e-7b3a-9f00-1234567890ab");
    expect(actorFilter("system", names)).toBe("system");
    expect(actorFilter("", names)).toBe("");
  });

  it("names the members inside a text (policy summaries, rules) and leaves unknown actors as they are", () => {
    const names = actorNames([{ user: { id: ADA, email: "ada@example.com", displayName: "Ada" } }]);
    const text = "g, user:01938A52-7C1E-7B3A-9F00-1234567890AB, role:admin; g, user:01938a52-7c1e-7b3a-9f00-1234567890ff, role:viewer";
    expect(nameActorsIn(text, names)).toBe("g, ada@example.com, role:admin; g, user:01938a52-7c1e-7b3a-9f00-1234567890ff, role:viewer");
    expect(nameActorsIn("system", names)).toBe("system");
  });
});
