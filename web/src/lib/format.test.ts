import { describe, expect, it } from "vitest";
import { plural } from "./format";

describe("plural", () => {
  it("counts in words", () => {
    expect(plural(1, "entry", "entries")).toBe("1 entry");
    expect(plural(0, "entry", "entries")).toBe("0 entries");
    expect(plural(2, "install", "installs")).toBe("2 installs");
  });
});
