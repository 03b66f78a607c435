/** Paging through a connection by cursor, one request at a time, for infinite scroll.
 *
 * The state lives here rather than in React state so that a scroll observer's callback sees it as it
 * is now, not as it was when the callback was made: a callback made before a new search (its cursor
 * the old search's) must not ask the new search for the old search's next page. */
export interface PageTicket {
  readonly generation: number;
  /** The cursor to ask after: null for a first page. */
  readonly after: string | null;
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
    return { generation: this.generation, after: null, reset: true };
  }

  /** The next page, or null when one is in flight, none follows, or the first has not arrived. */
  next(): PageTicket | null {
    if (this.busy || !this.more || this.cursor === null) return null;
    this.busy = true;
    return { generation: this.generation, after: this.cursor, reset: false };
  }

  /** Whether an answer to `ticket` still counts (no new search since it was asked). */
  current(ticket: PageTicket): boolean {
    return ticket.generation === this.generation;
  }

  /** `ticket`'s page arrived. False: it is stale, and nothing changed. */
  arrived(ticket: PageTicket, endCursor: string | null, hasNextPage: boolean): boolean {
    if (!this.current(ticket)) return false;
    this.cursor = endCursor;
    this.more = hasNextPage && endCursor !== null;
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
