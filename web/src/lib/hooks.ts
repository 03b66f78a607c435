/** Data hooks: a request with its loading and error states, a connection read page by page, and a
 * live subscription. */
import type { AtomSubscription } from "@atom-cloud/sdk";
import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";
import { Pager } from "./pager";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    load()
      .then((value) => {
        if (!current) return;
        setData(value);
        setError(null);
      })
      .catch((reason: unknown) => current && setError(reason))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, loading, reload };
}

export type LiveState = "connecting" | "live" | "closed" | "failed";

/** Runs `start()` while mounted (or until deps change), calling `onEvent` for each event. */
export function useLive<T>(
  start: () => AtomSubscription<T> | null,
  onEvent: (event: T) => void,
  deps: DependencyList,
): { state: LiveState; error: unknown } {
  const [state, setState] = useState<LiveState>("connecting");
  const [error, setError] = useState<unknown>(null);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const subscription = start();
    if (subscription === null) {
      setState("closed");
      return;
    }
    let active = true;
    setState("connecting");
    subscription.sent.then(
      () => active && setState("live"),
      () => undefined,
    );
    (async () => {
      try {
        for await (const event of subscription) {
          if (!active) break;
          handler.current(event);
        }
        if (active) setState("closed");
      } catch (reason) {
        if (!active) return;
        setError(reason);
        setState("failed");
      }
    })();
    return () => {
      active = false;
      void subscription.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { state, error };
}

/**
 * Calls `reload` once `signal` has stopped changing for `quietMs` (a burst of live updates costs one
 * request); nothing on the first render.
 */
export function useReloadAfter(signal: number, reload: () => void, quietMs = 1000): void {
  useEffect(() => {
    if (signal === 0) return;
    const timer = setTimeout(reload, quietMs);
    return () => clearTimeout(timer);
  }, [signal, reload, quietMs]);
}

/** One page of a connection as `usePagedList` needs it: its nodes, the list's size, the cursor to go
 * on from (forward `endCursor`, backward `startCursor`) and whether a page follows that way. */
export interface ListPage<T> {
  nodes: T[];
  totalCount: number;
  cursor: string | null;
  more: boolean;
}

export interface PagedList<T> {
  items: T[];
  total: number | null;
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  /** The first page again (`reset`: a new search), or the next one (nothing while one is in flight
   * or after the last). */
  load(reset: boolean): Promise<void>;
}

/** A connection read a page at a time through a `Pager`, from its first page whenever `deps` change;
 * an answer to a request made before the latest reset is dropped. */
export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<ListPage<T>>, deps: DependencyList): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const pager = useRef(new Pager());
  const load = useCallback(
    async (reset: boolean) => {
      const ticket = reset ? pager.current.restart() : pager.current.next();
      if (ticket === null) return;
      if (reset) setItems([]);
      setLoading(true);
      try {
        const page = await fetchPage(ticket.cursor);
        if (!pager.current.arrived(ticket, page.cursor, page.more)) return;
        setItems((previous) => (ticket.reset ? page.nodes : [...previous, ...page.nodes]));
        setTotal(page.totalCount);
        setHasMore(pager.current.hasMore);
        setError(null);
        setLoading(false);
      } catch (reason) {
        if (!pager.current.failed(ticket)) return;
        setError(reason);
        setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    deps,
  );
  useEffect(() => {
    void load(true);
  }, [load]);
  return { items, total, hasMore, loading, error, load };
}
