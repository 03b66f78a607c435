/**
 * Walking Relay cursor connections (`pageInfo { hasNextPage endCursor } nodes`) one node at a time.
 *
 * @module
 */

import { AtomError } from "./errors.js";

/** The part of `PageInfo` that pagination needs. */
export interface PageCursor {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** A page of any connection of the schema. */
export interface Connection<TNode> {
  pageInfo: PageCursor;
  nodes: ReadonlyArray<TNode>;
}

/**
 * Every node of a connection, fetching the next page only when the current one is used up.
 * `fetchPage(after)` gets the page after cursor `after` (null for the first page).
 *
 * ```ts
 * const versions = paginate(async (after) =>
 *   (await client.request(PackageVersionsDocument, { fullName, first: 50, after })).package!.versions);
 * for await (const version of versions) console.log(version.version);
 * ```
 */
export async function* paginate<TNode>(
  fetchPage: (after: string | null) => Promise<Connection<TNode>>,
): AsyncGenerator<TNode, void, undefined> {
  let after: string | null = null;
  for (;;) {
    const page: Connection<TNode> = await fetchPage(after);
    yield* page.nodes;
    if (!page.pageInfo.hasNextPage) return;
    const next = page.pageInfo.endCursor;
    if (next === null || next === after) {
      throw new AtomError("The server announced a next page without a new cursor.");
    }
    after = next;
  }
}
