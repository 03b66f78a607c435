import { describe, expect, it } from "vitest";
import { Pager } from "./pager";

describe("pager", () => {
  it("asks for one page at a time, each after the last one's cursor, until none follows", () => {
    const pager = new Pager();
    expect(pager.next()).toBeNull(); // no first page yet
    const first = pager.restart();
    expect(first).toMatchObject({ cursor: null, reset: true });
    expect(pager.next()).toBeNull(); // the first page is in flight
    expect(pager.arrived(first, "c20", true)).toBe(true);
    const second = pager.next();
    expect(second).toMatchObject({ cursor: "c20", reset: false });
    expect(pager.next()).toBeNull(); // in flight
    expect(pager.arrived(second!, "c25", false)).toBe(true);
    expect(pager.hasMore).toBe(false);
    expect(pager.next()).toBeNull(); // the last page arrived
  });

  it("never asks a new search for the page after an old search's cursor", () => {
    const pager = new Pager();
    pager.arrived(pager.restart(), "old-20", true);
    // A new search starts; a scroll observer made before it still fires.
    const search = pager.restart();
    expect(pager.next()).toBeNull();
    expect(pager.arrived(search, "new-20", true)).toBe(true);
    expect(pager.next()).toMatchObject({ cursor: "new-20" });
  });

  it("drops the answers of a search that a newer one replaced, in whatever order they arrive", () => {
    const pager = new Pager();
    const old = pager.restart();
    const search = pager.restart();
    expect(pager.arrived(search, "new-20", true)).toBe(true);
    expect(pager.arrived(old, "old-20", false)).toBe(false);
    expect(pager.failed(old)).toBe(false);
    expect(pager.hasMore).toBe(true);
    expect(pager.next()).toMatchObject({ cursor: "new-20" });
  });

  it("asks a failed page again", () => {
    const pager = new Pager();
    pager.arrived(pager.restart(), "c20", true);
    const second = pager.next()!;
    expect(pager.failed(second)).toBe(true);
    expect(pager.next()).toMatchObject({ cursor: "c20" });
  });

  it("stops when a page says more follow but gives no cursor", () => {
    const pager = new Pager();
    pager.arrived(pager.restart(), null, true);
    expect(pager.hasMore).toBe(false);
    expect(pager.next()).toBeNull();
  });
});
