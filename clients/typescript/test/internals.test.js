// Unit tests without a server: the Ed25519 fallback's PKCS #8 parsing, random UUIDs where
// `crypto.randomUUID` is missing, and `toBytes` copies. Internal modules (dist/pkcs8.js,
// dist/uuid.js) are imported directly: the package's entry point does not export them.

import assert from "node:assert/strict";
import { generateKeyPairSync, verify } from "node:crypto";
import { describe, it } from "node:test";

import { AtomClient, toBytes } from "../dist/index.js";
import { ed25519SeedFromPkcs8, signEd25519Pkcs8 } from "../dist/pkcs8.js";
import { randomUUID, randomUUIDFromRandomValues } from "../dist/uuid.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A DER element of `tag` around `content` (lengths below 128: enough here). */
function tlv(tag, content) {
  assert.ok(content.length < 0x80);
  return Buffer.from([tag, content.length, ...content]);
}

/** An Ed25519 key pair made by node:crypto: its v1 PKCS #8 (as OpenSSL writes it), seed and raw public key. */
function ed25519Pair() {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const v1 = privateKey.export({ format: "der", type: "pkcs8" });
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d, "base64url");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
  return { v1: new Uint8Array(v1), seed, raw, publicKey };
}

/**
 * The same key as a v2 PKCS #8 (RFC 5958 OneAsymmetricKey): version 1, the CurvePrivateKey, then
 * attributes ([0], with `attributes`) and the public key ([1] IMPLICIT BIT STRING) after it.
 */
function pkcs8V2(seed, raw, { attributes = false } = {}) {
  const algorithm = tlv(0x30, tlv(0x06, Buffer.from([0x2b, 0x65, 0x70])));
  const privateKey = tlv(0x04, tlv(0x04, seed));
  // An empty SET of attributes is still an element; one attribute would not fit the short lengths.
  const attrs = attributes ? [tlv(0xa0, Buffer.alloc(0))] : [];
  const publicKey = tlv(0x81, Buffer.concat([Buffer.from([0x00]), raw]));
  return new Uint8Array(tlv(0x30, Buffer.concat([tlv(0x02, Buffer.from([0x01])), algorithm, privateKey, ...attrs, publicKey])));
}

describe("the Ed25519 fallback (no WebCrypto Ed25519)", () => {
  const message = new TextEncoder().encode("the sha256 of an artifact, or anything else");

  it("reads the seed of a v1 PKCS #8 and signs with it", () => {
    const { v1, seed, publicKey } = ed25519Pair();
    assert.deepEqual(Buffer.from(ed25519SeedFromPkcs8(v1)), seed);
    const signature = signEd25519Pkcs8(v1, message);
    assert.ok(verify(null, message, publicKey, signature));
  });

  it("reads the seed of a v2 PKCS #8, whose public key comes after it", () => {
    const { seed, raw, publicKey } = ed25519Pair();
    for (const attributes of [false, true]) {
      const v2 = pkcs8V2(seed, raw, { attributes });
      // The last 32 bytes are the public key's: the seed is the inner OCTET STRING.
      assert.deepEqual(Buffer.from(v2.slice(-32)), raw);
      assert.deepEqual(Buffer.from(ed25519SeedFromPkcs8(v2)), seed);
      const signature = signEd25519Pkcs8(v2, message);
      assert.ok(verify(null, message, publicKey, signature), `attributes: ${attributes}`);
    }
  });

  it("refuses what is not an Ed25519 PKCS #8", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const ecdsa = new Uint8Array(privateKey.export({ format: "der", type: "pkcs8" }));
    assert.throws(() => ed25519SeedFromPkcs8(ecdsa), /not an Ed25519 key/);
    const { v1 } = ed25519Pair();
    assert.throws(() => ed25519SeedFromPkcs8(v1.slice(0, -1)), TypeError);
    assert.throws(() => ed25519SeedFromPkcs8(new Uint8Array([0x30, 0x00])), TypeError);
  });
});

describe("random UUIDs outside secure contexts (no crypto.randomUUID)", () => {
  /** Run `work` with `crypto.randomUUID` missing, as on a plain-HTTP page. */
  async function withoutRandomUUID(work) {
    Object.defineProperty(globalThis.crypto, "randomUUID", { value: undefined, configurable: true, writable: true });
    try {
      assert.equal(typeof crypto.randomUUID, "undefined");
      return await work();
    } finally {
      delete globalThis.crypto.randomUUID;
    }
  }

  it("makes version 4 UUIDs from getRandomValues", async () => {
    const made = new Set(Array.from({ length: 200 }, () => randomUUIDFromRandomValues()));
    assert.equal(made.size, 200);
    for (const uuid of made) assert.match(uuid, UUID_V4);
    await withoutRandomUUID(() => assert.match(randomUUID(), UUID_V4));
    assert.match(randomUUID(), UUID_V4);
  });

  it("fills in usage events' idempotency keys", async () => {
    const sent = [];
    const client = new AtomClient({
      url: "http://atom.invalid",
      apiKey: "atom_test",
      fetch: async (_url, init) => {
        sent.push(JSON.parse(init.body));
        const data = { reportUsage: { accepted: 2, duplicates: 0, userErrors: [] } };
        return new Response(JSON.stringify({ data }), { headers: { "Content-Type": "application/json" } });
      },
    });
    const report = await withoutRandomUUID(() =>
      client.reportUsage([
        { meter: "tokens", quantity: 1 },
        { meter: "tokens", quantity: 2 },
      ]),
    );
    assert.equal(report.accepted, 2);
    const keys = sent[0].variables.input.events.map((event) => event.idempotencyKey);
    assert.equal(new Set(keys).size, 2);
    for (const key of keys) assert.match(key, UUID_V4);
  });
});

describe("toBytes", () => {
  it("copies: later changes to the caller's array or buffer do not reach the bytes", async () => {
    const original = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const copied = await toBytes(original);
    assert.notEqual(copied.buffer, original.buffer);
    original.fill(0);
    assert.deepEqual([...copied], [1, 2, 3, 4, 5, 6]);

    // A view of part of a larger buffer: its bytes only, in a buffer of their own.
    const view = Uint8Array.from([9, 8, 7, 6]).subarray(1, 3);
    const fromView = await toBytes(view);
    assert.deepEqual([...fromView], [8, 7]);
    assert.equal(fromView.buffer.byteLength, 2);

    const buffer = Uint8Array.from([7, 7]).buffer;
    const fromBuffer = await toBytes(buffer);
    new Uint8Array(buffer).fill(0);
    assert.deepEqual([...fromBuffer], [7, 7]);
  });
});
