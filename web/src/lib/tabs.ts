/**
 * Tabs sharing the saved session. Refresh tokens are single use, and the server revokes the whole
 * session when one is presented twice, so tabs must never refresh with the same token: refreshes take
 * a Web Lock one at a time, and a tab whose token another tab has already spent takes that tab's new
 * session (saved in localStorage) instead of presenting it again. Only for the same user and
 * organization: a tab never adopts another account's tokens here (it follows such a change whole,
 * through the storage event, see session.tsx).
 */
import type { FetchLike, SessionTokens } from "@atom-cloud/sdk";

export const STORAGE_KEY = "atom.launchpad.session";
export const REFRESH_LOCK = "atom.launchpad.refresh";

export function readSession(storage: Storage): SessionTokens | null {
  try {
    const text = storage.getItem(STORAGE_KEY);
    return text ? (JSON.parse(text) as SessionTokens) : null;
  } catch {
    return null;
  }
}

export function writeSession(storage: Storage, session: SessionTokens | null): void {
  if (session === null) storage.removeItem(STORAGE_KEY);
  else storage.setItem(STORAGE_KEY, JSON.stringify(session));
}

/** Whether two sessions act for the same user and organization. */
export function sameAccount(a: SessionTokens | null | undefined, b: SessionTokens | null | undefined): boolean {
  if (!a || !b || !a.user || !b.user) return false;
  return a.user.id === b.user.id && (a.organization?.id ?? null) === (b.organization?.id ?? null);
}

interface RefreshRequest {
  refreshToken: string;
  organizationSlug: string | null;
}

function refreshRequest(init: RequestInit): RefreshRequest | null {
  if (typeof init.body !== "string") return null;
  try {
    const body = JSON.parse(init.body) as { query?: unknown; variables?: { input?: Partial<RefreshRequest> } };
    const input = body.variables?.input;
    if (typeof body.query !== "string" || !/\bmutation RefreshToken\b/.test(body.query)) return null;
    if (typeof input?.refreshToken !== "string") return null;
    return { refreshToken: input.refreshToken, organizationSlug: input.organizationSlug ?? null };
  } catch {
    return null;
  }
}

type Locks = Pick<LockManager, "request">;

/** The `fetch` of a session's client: every request as it is, refreshes coordinated between tabs. */
export function coordinatedFetch(options: {
  storage: Storage;
  account: SessionTokens;
  fetch?: FetchLike;
  locks?: Locks | undefined;
}): FetchLike {
  const base: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return async (input, init) => {
    const refresh = refreshRequest(init);
    if (refresh === null) return base(input, init);
    const run = async (): Promise<Response> => {
      const saved = readSession(options.storage);
      // Another tab spent this token and saved its successor: take it rather than present ours again.
      if (
        refresh.organizationSlug === null &&
        saved !== null &&
        saved.refreshToken !== refresh.refreshToken &&
        sameAccount(saved, options.account)
      ) {
        const body = { data: { refreshToken: { session: saved, userErrors: [] } } };
        return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
      }
      const response = await base(input, init);
      // Saved before the lock is released, so the next tab in line sees it.
      try {
        const data = (await response.clone().json()) as { data?: { refreshToken?: { session?: SessionTokens | null } } };
        const session = data.data?.refreshToken?.session;
        if (session) writeSession(options.storage, session);
      } catch {
        // Not JSON: the client reports the error.
      }
      return response;
    };
    const locks = options.locks ?? (typeof navigator !== "undefined" ? navigator.locks : undefined);
    return locks ? locks.request(REFRESH_LOCK, run) : run();
  };
}
