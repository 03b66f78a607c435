// The marketplace journey through the SDK, step by step against a live server: a publisher signs up,
// registers keys and publishes two versions (presigned upload, then multipart), a trusted reviewer
// approves them, a customer browses, installs and reports usage, and the typed errors on the way.

import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";

import {
  AtomClient,
  BecomePublisherDocument,
  CreateApiKeyDocument,
  CreatePackageDocument,
  exportPublicKeyPem,
  ForbiddenError,
  InstallsDocument,
  keyAlgorithm,
  NotFoundError,
  PackageStatusDocument,
  RegisterPublicKeyDocument,
  sha256Hex,
  signArtifact,
  signDigest,
  UnauthenticatedError,
  unwrap,
  UsageReportError,
  UserErrorsError,
  ViewerDocument,
} from "../dist/index.js";
import {
  env,
  firstMatching,
  liveStreams,
  PASSWORD,
  recordingFetch,
  reviewer,
  signUp,
  subscribeToPlan,
  unique,
  untilLive,
  url,
  WebSocket,
} from "./support.js";

describe("marketplace journey", () => {
  const name = env("ATOM_PACKAGE_NAME");
  const state = {};

  before(async () => {
    state.publisher = await signUp("publisher");
    state.reviewerOperations = [];
    state.reviewer = await reviewer({ fetch: recordingFetch(state.reviewerOperations) });
  });

  after(async () => {
    await Promise.all([state.publisher?.client.close(), state.reviewer?.close(), state.customer?.client.close()]);
  });

  it("signs up, then logs in again with e-mail and password", async () => {
    const again = await AtomClient.logIn(url(), { email: state.publisher.email, password: PASSWORD });
    const { viewer } = await again.request(ViewerDocument);
    assert.equal(viewer.user?.email, state.publisher.email);
    assert.ok(viewer.permissions.includes("packages:publish"));
    assert.match(again.session.refreshToken, /^atomr_/);
  });

  it("becomes a publisher and registers an Ed25519 and an ECDSA P-256 key made with WebCrypto", async () => {
    const { client } = state.publisher;
    state.namespace = unique("ns");
    const { becomePublisher } = await client.request(BecomePublisherDocument, {
      input: { namespace: state.namespace, displayName: "SDK tests" },
    });
    assert.equal(unwrap(becomePublisher, "publisher").namespace, state.namespace);

    state.ed25519 = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    state.ecdsa = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    state.fingerprints = {};
    for (const [label, pair] of [
      ["ed25519", state.ed25519],
      ["ecdsa", state.ecdsa],
    ]) {
      const publicKey = await exportPublicKeyPem(pair.publicKey);
      const { registerPublicKey } = await client.request(RegisterPublicKeyDocument, {
        input: { name: label, publicKey },
      });
      const identity = unwrap(registerPublicKey, "signingIdentity");
      assert.equal(identity.keyAlgorithm, label === "ed25519" ? "ED25519" : "ECDSA_P256");
      state.fingerprints[label] = identity.keyFingerprint;
    }
  });

  it("refuses a bad package name with a typed UserErrorsError", async () => {
    const { createPackage } = await state.publisher.client.request(CreatePackageDocument, {
      input: { name: "Not A Name!", title: "Bad" },
    });
    assert.throws(
      () => unwrap(createPackage),
      (error) =>
        error instanceof UserErrorsError &&
        error.code === "INVALID_PACKAGE_NAME" &&
        error.field === "name" &&
        error.userErrors.length === 1,
    );
  });

  it("creates the package, and a second one for pagination", async () => {
    const { client } = state.publisher;
    for (const packageName of [name, `${name}-extra`]) {
      const { createPackage } = await client.request(CreatePackageDocument, {
        input: { name: packageName, title: `The ${packageName} workflow`, tags: ["sdk-test"] },
      });
      const created = unwrap(createPackage, "package");
      assert.equal(created.fullName, `${state.namespace}/${packageName}`);
      if (packageName === name) state.package = created;
    }
  });

  it("publishes 1.0.0 through a presigned upload, signed with the Ed25519 CryptoKey", async () => {
    const artifact = await readFile(env("ATOM_WPK_1_0_0"));
    state.streamsBefore = await liveStreams();
    state.statuses = state.publisher.client.subscribe(PackageStatusDocument, { packageId: state.package.id });
    const version = await state.publisher.client.publishWPK({
      package: state.package.fullName,
      artifact,
      filename: `${name}-1.0.0.tar.gz`,
      signingKey: state.ed25519.privateKey,
      via: "presigned",
    });
    assert.equal(version.version, "1.0.0");
    assert.equal(version.status, "SUBMITTED");
    assert.equal(version.sha256, await sha256Hex(artifact));
    assert.equal(version.size, artifact.length);
    assert.equal(version.verification?.method, "KEY");
    assert.equal(version.verification?.keyFingerprint, state.fingerprints.ed25519);
    state.v1 = version;
  });

  it("has a trusted reviewer approve it, and the publisher's packageStatus stream sees it published", async () => {
    await state.statuses.sent;
    await untilLive(state.streamsBefore + 1); // node's test files run one at a time (the driver says so)
    state.reviewerOperations.length = 0;
    const approved = await state.reviewer.approve(state.v1.id, "Reviewed by the SDK tests");
    assert.equal(approved.status, "PUBLISHED");
    // approveVersion takes a SUBMITTED version into review itself: one request, no startReview.
    assert.deepEqual(state.reviewerOperations, ["ApproveVersion"]);
    assert.deepEqual(
      approved.transitions.map((t) => t.toStatus),
      ["DRAFT", "SUBMITTED", "IN_REVIEW", "APPROVED", "PUBLISHED"],
    );
    assert.equal(approved.transitions.at(-2).reason, "Reviewed by the SDK tests");
    const change = await firstMatching(state.statuses, ({ packageStatus }) => packageStatus.toStatus === "PUBLISHED");
    assert.equal(change.packageStatus.versionId, state.v1.id);
    assert.equal(change.packageStatus.version?.status, "PUBLISHED");
    await state.statuses.close();
  });

  it("publishes 1.1.0 in one multipart request, signed with the ECDSA key as a PKCS #8 PEM", async () => {
    const artifact = await readFile(env("ATOM_WPK_1_1_0"));
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", state.ecdsa.privateKey)).toString("base64");
    const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g).join("\n")}\n-----END PRIVATE KEY-----\n`;
    const version = await state.publisher.client.publishWPK({
      packageId: state.package.id,
      artifact: new Blob([artifact]),
      filename: `${name}-1.1.0.tar.gz`,
      signingKey: pem,
      via: "multipart",
    });
    assert.equal(version.version, "1.1.0");
    assert.equal(version.sha256, await sha256Hex(artifact));
    assert.equal(version.verification?.keyFingerprint, state.fingerprints.ecdsa);
    assert.equal((await state.reviewer.approve(version.id)).status, "PUBLISHED");
    state.pem = pem;
  });

  it("sends a Sigstore bundle instead of a key signature, and reports the server's refusal", async () => {
    const refused = await state.publisher.client
      .publishWPK({
        packageId: state.package.id,
        artifact: await readFile(env("ATOM_WPK_1_1_0")),
        filename: `${name}-1.1.0.tar.gz`,
        sigstoreBundle: { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" },
        via: "multipart",
      })
      .catch((error) => error);
    assert.ok(refused instanceof UserErrorsError, String(refused));
    assert.deepEqual([refused.code, refused.field], ["SIGNATURE_MALFORMED", "signature"]);
  });

  it("signs a bare digest as the server's scheme says (checked here with node:crypto)", async () => {
    const artifact = await readFile(env("ATOM_WPK_1_1_0"));
    const digest = await sha256Hex(artifact);
    const ecdsaPublic = createPublicKey(await exportPublicKeyPem(state.ecdsa.publicKey));
    // ECDSA over the digest, prehashed: the same as ECDSA-SHA256 over the artifact; DER-encoded.
    for (const key of [state.pem, state.ecdsa.privateKey]) {
      const signature = Buffer.from(await signDigest(digest, key), "base64");
      assert.ok(verify("sha256", artifact, { key: ecdsaPublic, dsaEncoding: "der" }, signature));
    }
    // Ed25519 over the 32 raw bytes of the digest.
    const edPublic = createPublicKey(await exportPublicKeyPem(state.ed25519.publicKey));
    const signature = Buffer.from(await signDigest(digest, state.ed25519.privateKey), "base64");
    assert.ok(verify(null, Buffer.from(digest, "hex"), edPublic, signature));
    // Keys as openssl writes them: an Ed25519 PKCS #8 PEM, and a SEC1 "EC PRIVATE KEY" PEM.
    const ed = generateKeyPairSync("ed25519");
    const edPem = ed.privateKey.export({ type: "pkcs8", format: "pem" });
    assert.ok(verify(null, Buffer.from(digest, "hex"), ed.publicKey, Buffer.from(await signDigest(digest, edPem), "base64")));
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const sec1 = ec.privateKey.export({ type: "sec1", format: "pem" });
    assert.match(sec1, /BEGIN EC PRIVATE KEY/);
    for (const signed of [await signDigest(digest, sec1), await signArtifact(artifact, sec1)]) {
      assert.ok(verify("sha256", artifact, { key: ec.publicKey, dsaEncoding: "der" }, Buffer.from(signed, "base64")));
    }
    assert.equal(await keyAlgorithm(sec1), "ECDSA_P256");
    await assert.rejects(signDigest(digest, ec.publicKey.export({ type: "spki", format: "pem" })), TypeError);
  });

  it("lists the publisher's workflows one page of one at a time", async () => {
    let requests = 0;
    // The publisher sees its unpublished package too.
    const counting = await AtomClient.logIn(
      url(),
      { email: state.publisher.email, password: PASSWORD },
      {
        fetch: (input, init) => {
          requests += 1;
          return fetch(input, init);
        },
      },
    );
    requests = 0;
    const names = [];
    for await (const pkg of counting.listWorkflows({ publisher: state.namespace, pageSize: 1, sort: "NEWEST" })) {
      names.push(pkg.fullName);
    }
    assert.deepEqual(names.sort(), [`${state.namespace}/${name}`, `${state.namespace}/${name}-extra`]);
    assert.equal(requests, 2);
    const found = [];
    for await (const pkg of counting.listWorkflows({ query: name, tags: ["sdk-test"], verified: true }))
      found.push(pkg);
    assert.deepEqual(
      found.map((pkg) => [pkg.fullName, pkg.latestVersion?.version]),
      [[`${state.namespace}/${name}`, "1.1.0"]],
    );
  });

  it("has a customer install the latest published version", async () => {
    state.customer = await signUp("customer");
    const install = await state.customer.client.install(state.package.fullName);
    assert.equal(install.active, true);
    assert.equal(install.version?.version, "1.1.0");
    const { installs } = await state.customer.client.request(InstallsDocument);
    assert.deepEqual(
      installs.map((i) => i.package?.fullName),
      [state.package.fullName],
    );
    // An earlier version by ID, then an unknown package by name.
    assert.equal((await state.customer.client.install(state.package.id, state.v1.id)).version?.version, "1.0.0");
    await assert.rejects(state.customer.client.install(`${state.namespace}/nothing-here`), NotFoundError);
  });

  it("reports usage in batches of at most 1,000; sending it again counts duplicates, not twice", async () => {
    const { client } = state.customer;
    await subscribeToPlan(client);
    const events = [
      { meter: "package_runs", quantity: 1, properties: { package: state.package.fullName } },
      ...Array.from({ length: 1000 }, () => ({ meter: "tokens", quantity: "2.5" })),
    ];
    const report = await client.reportUsage(events);
    assert.equal(report.accepted, 1001);
    assert.equal(report.duplicates, 0);
    assert.equal(new Set(report.events.map((e) => e.idempotencyKey)).size, 1001);
    const again = await client.reportUsage(report.events);
    assert.deepEqual([again.accepted, again.duplicates], [0, 1001]);
    // A refused batch says which event, counted over the whole call.
    const refused = await client
      .reportUsage([...report.events.slice(0, 1000), { meter: "no-such-meter", quantity: 1 }])
      .catch((error) => error);
    assert.ok(refused instanceof UsageReportError, String(refused));
    assert.equal(refused.code, "UNKNOWN_METER");
    assert.equal(refused.field, "events[1000].meter");
    assert.deepEqual([refused.report.accepted, refused.report.duplicates], [0, 1000]);
  });

  it("streams the audit log: the entry of a mutation made after subscribing arrives", async () => {
    const { client } = state.customer;
    const audit = client.streamAudit({ action: "createApiKey" });
    await audit.sent;
    // The server delivers once it has authorized the stream, moments after `sent`: keys are
    // created until the entry of one arrives.
    const created = new Map();
    const entry = await firstMatching(audit, (e) => created.has(e.target), {
      poke: async () => {
        const { createApiKey } = await client.request(CreateApiKeyDocument, {
          input: { name: unique("ci"), scopes: ["packages:read"], roles: ["developer"] },
        });
        const made = unwrap(createApiKey);
        created.set(made.apiKey?.id, made.secret);
      },
      every: 200,
    });
    assert.equal(entry.outcome, "SUCCEEDED");
    assert.equal(entry.decision, "ALLOW");
    assert.match(entry.actor, /^user:/);
    await audit.close();
    state.apiKey = created.get(entry.target);
  });

  it("acts with an API key, within its scopes", async () => {
    const ci = new AtomClient({ url: url(), apiKey: state.apiKey });
    const { viewer } = await ci.request(ViewerDocument);
    assert.equal(viewer.user, null);
    assert.deepEqual(viewer.apiKey?.scopes, ["packages:read"]);
    const seen = [];
    for await (const pkg of ci.listWorkflows({ publisher: state.namespace })) seen.push(pkg.fullName);
    assert.deepEqual(seen, [state.package.fullName]); // another organization's key: published packages only
    await assert.rejects(
      ci.request(CreatePackageDocument, { input: { name: unique("nope"), title: "Nope" } }),
      (error) => error instanceof ForbiddenError && error.code === "FORBIDDEN" && error.path?.[0] === "createPackage",
    );
  });

  it("throws UnauthenticatedError without a credential, or with a bad one", async () => {
    await assert.rejects(
      new AtomClient({ url: url() }).request(InstallsDocument),
      (error) => error instanceof UnauthenticatedError && error.code === "UNAUTHENTICATED",
    );
    await assert.rejects(
      new AtomClient({ url: url(), apiKey: "atom_nope_nope" }).request(ViewerDocument),
      (error) => error instanceof UnauthenticatedError && error.status === 401 && error.reason === "INVALID_API_KEY",
    );
  });

  it("subscribes with an API key too", async () => {
    const ci = new AtomClient({ url: url(), apiKey: state.apiKey, webSocketImpl: WebSocket });
    try {
      // packages:read only: the audit log is refused when the stream starts.
      const audit = ci.streamAudit();
      await assert.rejects(audit.next(), (error) => error instanceof ForbiddenError && error.code === "FORBIDDEN");
      assert.deepEqual(await audit.next(), { done: true, value: undefined });
    } finally {
      await ci.close();
    }
  });
});
