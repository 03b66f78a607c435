import type { SessionTokens } from "@atom-cloud/sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { coordinatedFetch, readSession, STORAGE_KEY, writeSession } from "./tabs";

const user = { id: "u1", displayName: "Ada", email: "ada@example.com", createdAt: "" };
const acme = { id: "o1", slug: "acme", name: "Acme", createdAt: "", platformOperator: false, marketplaceReviewer: false };
const other = { id: "o2", slug: "other", name: "Other", createdAt: "", platformOperator: false, marketplaceReviewer: false };
const session = (n: number, organization = acme): SessionTokens => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  accessTokenExpiresAt: null,
  refreshTokenExpiresAt: null,
  user,
  organization,
});

const refreshBody = (token: string, organizationSlug: string | null = null) =>
  JSON.stringify({
    query: "mutation RefreshToken($input: RefreshTokenInput!) { refreshToken(input: $input) { session { accessToken } } }",
    variables: { input: { refreshToken: token, organizationSlug } },
  });

/** The server's side: each refresh token works once and yields the next session. */
function server() {
  const calls: string[] = [];
  let next = 2;
  const fetch = async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { variables?: { input?: { refreshToken?: string } } };
    calls.push(body.variables?.input?.refreshToken ?? "other request");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fresh = session(next++);
    return new Response(JSON.stringify({ data: { refreshToken: { session: fresh, userErrors: [] } } }), { status: 200 });
  };
  return { calls, fetch };
}

/** Web Locks' exclusive mode, in one process. */
function locks() {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    request: (<T>(_name: string, run: () => Promise<T>) => {
      const result = tail.then(run);
      tail = result.catch(() => undefined);
      return result;
    }) as LockManager["request"],
  };
}

describe("refreshes shared between tabs", () => {
  beforeEach(() => window.localStorage.clear());

  it("passes other requests through", async () => {
    const { calls, fetch } = server();
    const tab = coordinatedFetch({ storage: window.localStorage, account: session(1), fetch });
    await tab("/graphql", { method: "POST", body: JSON.stringify({ query: "{ viewer { permissions } }" }) });
    expect(calls).toEqual(["other request"]);
    expect(window.localStorage.getItem(STORAGE_KEY)).toBeNull();
  });

  it("refreshes once for two tabs holding the same token; the second takes the first's session", async () => {
    writeSession(window.localStorage, session(1));
    const { calls, fetch } = server();
    const shared = locks();
    const tabA = coordinatedFetch({ storage: window.localStorage, account: session(1), fetch, locks: shared });
    const tabB = coordinatedFetch({ storage: window.localStorage, account: session(1), fetch, locks: shared });
    const [a, b] = await Promise.all([
      tabA("/graphql", { method: "POST", body: refreshBody("refresh-1") }),
      tabB("/graphql", { method: "POST", body: refreshBody("refresh-1") }),
    ]);
    expect(calls).toEqual(["refresh-1"]);
    const tokenOf = async (r: Response) => ((await r.json()) as { data: { refreshToken: { session: SessionTokens } } }).data.refreshToken.session.refreshToken;
    expect(await tokenOf(a)).toBe("refresh-2");
    expect(await tokenOf(b)).toBe("refresh-2");
    expect(readSession(window.localStorage)?.refreshToken).toBe("refresh-2");
  });

  it("never takes another organization's session, and always asks the server to switch", async () => {
    writeSession(window.localStorage, session(9, other));
    const { calls, fetch } = server();
    const tab = coordinatedFetch({ storage: window.localStorage, account: session(1), fetch });
    await tab("/graphql", { method: "POST", body: refreshBody("refresh-1") });
    expect(calls).toEqual(["refresh-1"]);
    writeSession(window.localStorage, session(5));
    await tab("/graphql", { method: "POST", body: refreshBody("refresh-1", "other") });
    expect(calls).toEqual(["refresh-1", "refresh-1"]);
  });
});
