import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { usePagedList, type ListPage } from "./hooks";

/** A connection of `size` numbered items, `pageSize` a page, answered when `release` is called. */
function connection(size: number, pageSize: number) {
  const asked: Array<{ cursor: string | null; release: () => void }> = [];
  const fetchPage = (tag: string) => (cursor: string | null) =>
    new Promise<ListPage<string>>((resolve) => {
      const start = cursor === null ? 0 : Number(cursor);
      const end = Math.min(size, start + pageSize);
      const nodes = Array.from({ length: end - start }, (_, index) => `${tag}${start + index}`);
      asked.push({ cursor, release: () => resolve({ nodes, totalCount: size, cursor: String(end), more: end < size }) });
    });
  return { asked, fetchPage };
}

describe("usePagedList", () => {
  it("reads the first page, then each next one on request, until none follows", async () => {
    const { asked, fetchPage } = connection(5, 2);
    const { result } = renderHook(() => usePagedList(fetchPage("a"), []));
    await act(async () => asked[0].release());
    expect(result.current.items).toEqual(["a0", "a1"]);
    expect([result.current.total, result.current.hasMore, result.current.loading]).toEqual([5, true, false]);
    for (const at of [1, 2]) {
      let next: Promise<void> = Promise.resolve();
      act(() => {
        next = result.current.load(false);
      });
      void result.current.load(false); // asked while the page is in flight: not asked twice
      await act(async () => {
        asked[at].release();
        await next;
      });
    }
    expect(asked.map((request) => request.cursor)).toEqual([null, "2", "4"]);
    expect(result.current.items).toEqual(["a0", "a1", "a2", "a3", "a4"]);
    expect(result.current.hasMore).toBe(false);
  });

  it("drops the answer to a request made before its inputs changed", async () => {
    const { asked, fetchPage } = connection(3, 2);
    const { result, rerender } = renderHook(({ tag }) => usePagedList(fetchPage(tag), [tag]), { initialProps: { tag: "old" } });
    rerender({ tag: "new" });
    await waitFor(() => expect(asked).toHaveLength(2));
    await act(async () => asked[1].release());
    await act(async () => asked[0].release()); // the old search's answer arrives last
    expect(result.current.items).toEqual(["new0", "new1"]);
  });
});
