/** Paging through a connection by cursor, one request at a time: forward (`first`/`after`, for
 * infinite scroll) or backward (`last`/`before`, for newest-first lists of an oldest-first connection).
 *
 * The state lives here rather than in React state so that a scroll observer's callback sees it as it
 * is now, not as it was when the callback was made: a callback made before a new search (its cursor
 * the old search's) must not ask the new search for the old search's next page. */
export interface PageTicket {
  readonly generation: number;
  /** The cursor to go on from (`after` it forward, `before` it backward): null for a first page. */
  readonly cursor: string | null;
  readonly reset: boolean;
}

export class Pager {
  private generation = 0;
  private cursor: string | null = null;
  private more = true;
  private busy = false;

  /** A first page of a new search: whatever was in flight is answered for nothing. */
  restart(): PageTicket {
    this.generation += 1;
    this.cursor = null;
    this.more = true;
    this.busy = true;
    return { generation: this.generation, cursor: null, reset: true };
  }

  /** The next page, or null when one is in flight, none follows, or the first has not arrived. */
  next(): PageTicket | null {
    if (this.busy || !this.more || this.cursor === null) return null;
    this.busy = true;
    return { generation: this.generation, cursor: this.cursor, reset: false };
  }

  /** Whether an answer to `ticket` still counts (no new search since it was asked). */
  current(ticket: PageTicket): boolean {
    return ticket.generation === this.generation;
  }

  /** `ticket`'s page arrived, with the cursor to go on from (forward its `endCursor`, backward its
   * `startCursor`) and whether a page follows that way. False: it is stale, and nothing changed. */
  arrived(ticket: PageTicket, cursor: string | null, more: boolean): boolean {
    if (!this.current(ticket)) return false;
    this.cursor = cursor;
    this.more = more && cursor !== null;
    this.busy = false;
    return true;
  }

  /** `ticket`'s request failed: the same page may be asked again. False: it is stale. */
  failed(ticket: PageTicket): boolean {
    if (!this.current(ticket)) return false;
    this.busy = false;
    return true;
  }

  get hasMore(): boolean {
    return this.more;
  }
}
