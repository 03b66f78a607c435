// A subscription outliving its access token: the server ends the stream with UNAUTHENTICATED at
// the first event after the token's expiry; the SDK refreshes the session and subscribes again.
// Its own file, so that it starts at once: the driver's token is refused a few seconds after it
// was minted (it is already past its `exp`, inside the server's verification leeway).
// A second, quiet stream on the same connection sees no event while the token expires, so the
// server never refuses it; the renewal of the first one closes their connection all the same, and
// the quiet one must go on on the new connection rather than end.

import assert from "node:assert/strict";
import { it } from "node:test";

import { AtomClient, CreateApiKeyDocument, CreateRoleDocument, unwrap } from "../dist/index.js";
import { env, firstMatching, unique, url, WebSocket } from "./support.js";

it("renews a subscription whose access token expires while it runs, and moves the quiet one along", async (t) => {
  const credentials = { email: env("ATOM_HOLDER_EMAIL"), password: env("ATOM_HOLDER_PASSWORD") };
  const { session } = await AtomClient.logIn(url(), credentials);
  const refreshes = [];
  const client = new AtomClient({
    url: url(),
    // The client believes the token good for an hour.
    session: {
      ...session,
      accessToken: env("ATOM_STALE_ACCESS_TOKEN"),
      accessTokenExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
    },
    webSocketImpl: WebSocket,
    onRefresh: (fresh) => void refreshes.push(fresh),
  });
  t.after(() => client.close());
  const audit = client.streamAudit({ action: "createRole" });
  const quiet = client.streamAudit({ action: "createApiKey" });
  await Promise.all([audit.sent, quiet.sent]).catch((error) =>
    assert.fail(`the stale token was refused on connecting: ${error}`),
  );
  assert.equal(
    refreshes.length,
    0,
    "the stale token was refused on connecting already: this machine was too slow for the driver's grace period",
  );

  const wait = Number(env("ATOM_STALE_ACCESS_TOKEN_REFUSED_AT")) + 500 - Date.now();
  await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 0)));
  // The first of these finds the stream's token expired and ends it; those after the SDK
  // subscribed again arrive. Made by another session, so that only the stream's token is at stake.
  const other = await AtomClient.logIn(url(), credentials);
  const made = [];
  const entry = await firstMatching(audit, (e) => e.action === "createRole", {
    poke: async () => {
      const { createRole } = await other.request(CreateRoleDocument, {
        input: { name: unique("role"), permissions: [] },
      });
      made.push(unwrap(createRole, "role"));
    },
    ms: 15_000,
  });
  assert.equal(entry.outcome, "SUCCEEDED");
  assert.equal(refreshes.length, 1);
  // The first role's event found the token expired and ended the stream: it never arrives.
  await new Promise((resolve) => setTimeout(resolve, 200)); // the poke's own answer may come after its event
  assert.ok(made.findIndex((role) => role.id === entry.target) >= 1, "the entry of the first role arrived");

  // The quiet stream shared the connection the renewal replaced: it is on the new one now.
  const keys = new Set();
  const key = await firstMatching(quiet, (e) => keys.has(e.target), {
    poke: async () => {
      const { createApiKey } = await other.request(CreateApiKeyDocument, {
        input: { name: unique("quiet"), scopes: ["packages:read"] },
      });
      keys.add(unwrap(createApiKey, "apiKey").id);
    },
    ms: 15_000,
  });
  assert.equal(key.outcome, "SUCCEEDED");
  assert.equal(refreshes.length, 1, "the quiet stream needed no refresh of its own");
});
