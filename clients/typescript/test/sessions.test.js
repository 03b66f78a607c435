// Sessions: access tokens refreshed ahead of expiry and after a refusal, one refresh for many
// concurrent requests, rotation reported through onRefresh, and the end of a session. The driver
// provides an account and access tokens of it that the server refuses (or soon will).

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  AtomClient,
  CreateRoleDocument,
  SessionExpiredError,
  UnauthenticatedError,
  unwrap,
  UserErrorsError,
  ViewerDocument,
} from "../dist/index.js";
import { env, firstMatching, unique, url, WebSocket } from "./support.js";

/** A fresh session of the driver's account. */
async function holderSession() {
  const client = await AtomClient.logIn(url(), {
    email: env("ATOM_HOLDER_EMAIL"),
    password: env("ATOM_HOLDER_PASSWORD"),
  });
  return client.session;
}

/** A client over `session`, counting its refreshes. */
function counted(session, options = {}) {
  const refreshes = [];
  const client = new AtomClient({
    url: url(),
    session,
    webSocketImpl: WebSocket,
    onRefresh: (fresh) => {
      refreshes.push(fresh);
    },
    ...options,
  });
  return { client, refreshes };
}

const FAR_FUTURE = new Date(Date.now() + 3600_000).toISOString();
const PAST = new Date(Date.now() - 1000).toISOString();

/** A mutation that leaves an audit entry. */
async function createRole(client) {
  const { createRole } = await client.request(CreateRoleDocument, { input: { name: unique("role"), permissions: [] } });
  return unwrap(createRole, "role");
}

describe("sessions", () => {
  it("refreshes ahead of expiry, and reports the rotated refresh token", async () => {
    const session = await holderSession();
    const { client, refreshes } = counted({ ...session, accessTokenExpiresAt: PAST });
    const { viewer } = await client.request(ViewerDocument);
    assert.equal(viewer.user?.email, env("ATOM_HOLDER_EMAIL"));
    assert.equal(refreshes.length, 1);
    assert.notEqual(refreshes[0].refreshToken, session.refreshToken);
    assert.notEqual(refreshes[0].accessToken, session.accessToken);
    assert.equal(client.session.refreshToken, refreshes[0].refreshToken);
    // The new token is good for a while: no second refresh.
    await client.request(ViewerDocument);
    assert.equal(refreshes.length, 1);
  });

  it("refreshes once for many concurrent requests", async () => {
    const session = await holderSession();
    const { client, refreshes } = counted({ ...session, accessTokenExpiresAt: PAST });
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.request(ViewerDocument)));
    assert.ok(answers.every(({ viewer }) => viewer.user?.email === env("ATOM_HOLDER_EMAIL")));
    // A refresh token spent twice would have revoked the whole family: one refresh it is.
    assert.equal(refreshes.length, 1);
  });

  it("refreshes when the server refuses an expired access token, and retries the request", async () => {
    const session = await holderSession();
    // The client believes the token good for an hour; the server knows it expired.
    const expired = { ...session, accessToken: env("ATOM_EXPIRED_ACCESS_TOKEN"), accessTokenExpiresAt: FAR_FUTURE };
    const direct = new AtomClient({ url: url(), apiKey: expired.accessToken });
    await assert.rejects(
      direct.request(ViewerDocument),
      (error) => error instanceof UnauthenticatedError && error.reason === "TOKEN_EXPIRED",
    );
    const { client, refreshes } = counted(expired);
    const answers = await Promise.all([client.request(ViewerDocument), client.request(ViewerDocument)]);
    assert.ok(answers.every(({ viewer }) => viewer.user?.email === env("ATOM_HOLDER_EMAIL")));
    assert.equal(refreshes.length, 1);
  });

  it("refreshes when the WebSocket refuses the access token, and subscribes again", async () => {
    const session = await holderSession();
    const { client, refreshes } = counted({
      ...session,
      accessToken: env("ATOM_EXPIRED_ACCESS_TOKEN"),
      accessTokenExpiresAt: FAR_FUTURE,
    });
    try {
      const audit = client.streamAudit({ action: "createRole" });
      // Refused on connecting (close 4403): refreshed, connected again, subscribed.
      await audit.sent;
      assert.equal(refreshes.length, 1);
      // The events come from another session: this client makes no HTTP request that could refresh.
      const other = await AtomClient.logIn(url(), {
        email: env("ATOM_HOLDER_EMAIL"),
        password: env("ATOM_HOLDER_PASSWORD"),
      });
      const role = await firstMatching(audit, (entry) => entry.action === "createRole", {
        poke: () => createRole(other),
      });
      assert.equal(role.outcome, "SUCCEEDED");
      assert.equal(refreshes.length, 1);
    } finally {
      await client.close();
    }
  });

  it("switches organization on refresh", async () => {
    const session = await holderSession();
    const { client, refreshes } = counted(session);
    const slug = (await client.refreshSession()).organization?.slug;
    assert.ok(slug);
    assert.equal(refreshes.length, 1);
    await assert.rejects(
      client.refreshSession("not-one-of-mine"),
      (error) => error instanceof UserErrorsError && error.code === "ORGANIZATION_NOT_FOUND",
    );
    // That refusal changed nothing: the session goes on.
    await client.refreshSession();
    assert.equal(refreshes.length, 2);
  });

  it("ends: after logOut the refresh token is refused, and the client says so", async () => {
    const session = await holderSession();
    const { client } = counted(session);
    await client.logOut();
    await assert.rejects(
      client.request(ViewerDocument),
      (error) => error instanceof SessionExpiredError && error.code === "LOGGED_OUT",
    );
    const { client: after } = counted({ ...session, accessTokenExpiresAt: PAST });
    await assert.rejects(after.request(ViewerDocument), (error) => error instanceof SessionExpiredError);
    // And it stays refused without asking the server again.
    await assert.rejects(after.request(ViewerDocument), SessionExpiredError);
  });
});
