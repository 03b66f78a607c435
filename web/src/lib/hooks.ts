/** Data hooks: a request with its loading and error states, and a live subscription. */
import type { AtomSubscription } from "@atom-cloud/sdk";
import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";

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
