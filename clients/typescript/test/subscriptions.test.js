// Subscriptions' edges: `sent` of a subscription closed before it went out, and subscribing where
// `crypto.randomUUID` is missing (a browser page outside a secure context).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { AtomClient, AtomError, CreateRoleDocument, unwrap } from "../dist/index.js";
import { env, firstMatching, unique, url, WebSocket } from "./support.js";

/** The holder account of the driver, signed in, subscriptions over `ws`. */
function holder() {
  return AtomClient.logIn(
    url(),
    { email: env("ATOM_HOLDER_EMAIL"), password: env("ATOM_HOLDER_PASSWORD") },
    { webSocketImpl: WebSocket },
  );
}

/** `promise`, or a failure after `ms` instead of a hang. */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe("subscriptions", () => {
  it("settles `sent` of a subscription closed before its subscribe message went out", async () => {
    const client = await holder();
    try {
      const audit = client.streamAudit({ action: "createRole" });
      await audit.close();
      await within(
        assert.rejects(audit.sent, (error) => error instanceof AtomError && /ended before it was sent/.test(error.message)),
        5000,
        "sent",
      );
      assert.deepEqual(await audit.next(), { done: true, value: undefined });
      // The client goes on: another subscription is sent.
      const again = client.streamAudit({ action: "createRole" });
      await within(again.sent, 10_000, "sent of the next subscription");
      await again.close();
    } finally {
      await client.close();
    }
  });

  it("subscribes without crypto.randomUUID", async () => {
    const client = await holder();
    const role = unique("role");
    Object.defineProperty(globalThis.crypto, "randomUUID", { value: undefined, configurable: true, writable: true });
    let audit;
    try {
      audit = client.streamAudit({ action: "createRole" });
      await within(audit.sent, 10_000, "sent");
    } finally {
      delete globalThis.crypto.randomUUID;
    }
    try {
      const entry = await firstMatching(audit, (e) => e.action === "createRole", {
        poke: async () => {
          const { createRole } = await client.request(CreateRoleDocument, { input: { name: unique(role), permissions: [] } });
          unwrap(createRole, "role");
        },
      });
      assert.equal(entry.outcome, "SUCCEEDED");
    } finally {
      await client.close();
    }
  });
});
