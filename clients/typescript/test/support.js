// What the tests share: the server and accounts the driver (tests/sdk/test_typescript.py) provides
// in the environment, and small builders on top of the SDK.

import assert from "node:assert/strict";
import WebSocket from "ws";

import { AtomClient, SubscribeDocument, unwrap } from "../dist/index.js";

/** The environment variable `name`; the test fails without it. */
export function env(name) {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run these tests through tests/sdk/test_typescript.py`);
  return value;
}

export const url = () => env("ATOM_URL");
export const PASSWORD = "correct horse battery staple 42";

/** A short unique suffix, as the Python tests' `unique`. */
export function unique(prefix) {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** A new account with its own organization, signed in, subscriptions over `ws`. */
export async function signUp(prefix, options = {}) {
  const email = `${unique(prefix)}@example.com`;
  const client = await AtomClient.signUp(
    url(),
    {
      email,
      password: PASSWORD,
      displayName: prefix,
      organizationName: `Org of ${prefix}`,
      organizationSlug: unique("org"),
    },
    { webSocketImpl: WebSocket, ...options },
  );
  return { client, email };
}

/** The trusted reviewer the driver provisioned, signed in. */
export function reviewer(options = {}) {
  return AtomClient.logIn(
    url(),
    {
      email: env("ATOM_REVIEWER_EMAIL"),
      password: env("ATOM_REVIEWER_PASSWORD"),
      organizationSlug: env("ATOM_REVIEWER_ORG"),
    },
    { webSocketImpl: WebSocket, ...options },
  );
}

/** A `fetch` that records the operation name of each GraphQL request it sends in `names`. */
export function recordingFetch(names) {
  return (input, init) => {
    if (typeof init?.body === "string") {
      const { query } = JSON.parse(init.body);
      names.push(/^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "(anonymous)");
    }
    return fetch(input, init);
  };
}

/** Put the client's organization on the driver's plan, so that it may report usage. */
export async function subscribeToPlan(client) {
  const { subscribe } = await client.request(SubscribeDocument, { input: { plan: env("ATOM_PLAN") } });
  return unwrap(subscribe, "subscription");
}

/**
 * The first value of `iterator` that satisfies `predicate`, within `ms`. With `poke`, calls it now
 * and every `every` ms meanwhile (to cause the event awaited until the stream is live).
 */
export async function firstMatching(iterator, predicate, { ms = 10_000, poke, every = 500 } = {}) {
  let timer;
  let poker;
  let pokeError;
  const pokeOnce = () =>
    void poke().catch((error) => {
      pokeError = error;
    });
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `nothing matching arrived within ${ms} ms${pokeError ? `; poking failed: ${pokeError.stack}` : ""}`,
          ),
        ),
      ms,
    );
  });
  if (poke) {
    pokeOnce();
    poker = setInterval(pokeOnce, every);
  }
  try {
    return await Promise.race([
      (async () => {
        for (;;) {
          const { value, done } = await iterator.next();
          assert.ok(!done, "the subscription ended");
          if (predicate(value)) return value;
        }
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    clearInterval(poker);
  }
}

/** How many subscriptions the server is streaming (its `atom_graphql_subscriptions_active` gauge). */
export async function liveStreams() {
  const metrics = await (await fetch(`${url()}/metrics`)).text();
  const found = metrics.match(/^atom_graphql_subscriptions_active (\S+)$/m);
  assert.ok(found, "/metrics has no atom_graphql_subscriptions_active");
  return Number(found[1]);
}

/**
 * Until the server streams at least `count` subscriptions. graphql-transport-ws acknowledges no
 * subscribe message: a one-off event caused right after `sent` could come before the stream is live.
 */
export async function untilLive(count, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const live = await liveStreams();
    if (live >= count) return;
    assert.ok(Date.now() < deadline, `${live} subscriptions live after ${ms} ms, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export { WebSocket };
