/**
 * Digests and signatures of artifacts, as the server's registered-key scheme wants them
 * (docs/marketplace.md): Ed25519 over the 32 raw bytes of the artifact's sha256; ECDSA P-256 with
 * SHA-256 over the artifact (the same as over its digest, prehashed), DER-encoded; both base64.
 *
 * WebCrypto does the work wherever it can. Two things it cannot do are done by `@noble/curves`:
 * an ECDSA signature of a digest alone (WebCrypto always hashes what it signs), and Ed25519 where
 * the platform's WebCrypto lacks it (browsers before 2025).
 *
 * @module
 */

import { p256 } from "@noble/curves/nist.js";

import { signEd25519Pkcs8 } from "./pkcs8.js";

/** Bytes in any of the forms browsers and Node hand out. */
export type BytesLike = Blob | Uint8Array | ArrayBuffer;

/**
 * A WebCrypto `CryptoKey`, described by shape so that these types need neither the DOM library nor
 * Node's (`@types/node` 20 has no global `CryptoKey`).
 */
export interface WebCryptoKey {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: { readonly name: string };
  readonly usages: readonly string[];
}

/** A private key: a WebCrypto `CryptoKey` (Ed25519, or ECDSA P-256), or a PEM (PKCS #8 `PRIVATE KEY`, or SEC1 `EC PRIVATE KEY`). */
export type SigningKey = WebCryptoKey | string;

/** The two key types the server accepts for registered keys. */
export type KeyAlgorithm = "ED25519" | "ECDSA_P256";

/**
 * A copy of the bytes of `data`, taken now: later changes to the caller's array or buffer do not
 * reach it (so that what is hashed, signed and uploaded is the same).
 */
export async function toBytes(data: BytesLike): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data.slice();
  if (data instanceof ArrayBuffer) return new Uint8Array(data.slice(0));
  return new Uint8Array(await data.arrayBuffer());
}

/** The bytes of `data`, without a copy where it can be avoided (for WebCrypto, which copies them itself). */
async function view(data: BytesLike): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(await data.arrayBuffer());
}

/** The hex SHA-256 of `data`, computed with WebCrypto. */
export async function sha256Hex(data: BytesLike): Promise<string> {
  const bytes = await view(data);
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}

/**
 * The `keySignature` for an artifact known by its sha256 (hex) alone. An ECDSA `CryptoKey` must
 * be extractable here (WebCrypto cannot sign a digest; the key is used by `@noble/curves`); with
 * the artifact at hand, {@link signArtifact} has no such need.
 */
export async function signDigest(sha256: string, key: SigningKey): Promise<string> {
  return signDigestWith(await resolveKey(key), fromHex(sha256));
}

/** The `keySignature` for `artifact`, the signature the server checks against its sha256. */
export async function signArtifact(artifact: BytesLike, key: SigningKey): Promise<string> {
  const resolved = await resolveKey(key);
  if (resolved.algorithm === "ECDSA_P256" && resolved.cryptoKey) {
    const bytes = await view(artifact);
    const raw = await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      resolved.cryptoKey,
      bytes as Uint8Array<ArrayBuffer>,
    );
    return toBase64(p1363ToDer(new Uint8Array(raw)));
  }
  return signDigestWith(resolved, fromHex(await sha256Hex(artifact)));
}

async function signDigestWith(key: ResolvedKey, digest: Uint8Array): Promise<string> {
  if (key.algorithm === "ED25519") return toBase64(await signEd25519(key, digest));
  const secret = key.secret ?? (await ecdsaSecret(key.cryptoKey));
  return toBase64(p256.sign(digest, secret, { prehash: false, format: "der" }));
}

/** The algorithm of a signing key. */
export async function keyAlgorithm(key: SigningKey): Promise<KeyAlgorithm> {
  return (await resolveKey(key)).algorithm;
}

/** A public `CryptoKey` as the SubjectPublicKeyInfo PEM that `registerPublicKey` takes. */
export async function exportPublicKeyPem(publicKey: WebCryptoKey): Promise<string> {
  const der = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey as CryptoKey));
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
}

// --- keys -------------------------------------------------------------------------------------

interface ResolvedKey {
  algorithm: KeyAlgorithm;
  /** Absent only for an Ed25519 PEM on a platform whose WebCrypto lacks Ed25519. */
  cryptoKey?: CryptoKey;
  /** The raw private scalar of an ECDSA key that came as a PEM. */
  secret?: Uint8Array;
  /** The PKCS #8 of an Ed25519 PEM that WebCrypto could not import (signed by `@noble/curves`). */
  pkcs8?: Uint8Array;
}

const OID_ED25519 = [0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_EC_PUBLIC_KEY = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

async function resolveKey(key: SigningKey): Promise<ResolvedKey> {
  if (typeof key !== "string") return { algorithm: cryptoKeyAlgorithm(key), cryptoKey: key as CryptoKey };
  const { label, der } = parsePem(key);
  const pkcs8 = label === "EC PRIVATE KEY" ? sec1ToPkcs8(der) : der;
  if (label !== "PRIVATE KEY" && label !== "EC PRIVATE KEY") {
    throw new TypeError(
      `A signing key is a PKCS #8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY" PEM, not "${label}" ` +
        "(an encrypted key can be converted with `openssl pkcs8 -topk8 -nocrypt`).",
    );
  }
  if (contains(pkcs8, OID_ED25519)) {
    try {
      const cryptoKey = await crypto.subtle.importKey(
        "pkcs8",
        pkcs8 as Uint8Array<ArrayBuffer>,
        { name: "Ed25519" },
        false,
        ["sign"],
      );
      return { algorithm: "ED25519", cryptoKey };
    } catch (error) {
      if (error instanceof DOMException && error.name === "NotSupportedError") return { algorithm: "ED25519", pkcs8 };
      throw error;
    }
  }
  if (contains(pkcs8, OID_EC_PUBLIC_KEY) && contains(pkcs8, OID_P256)) {
    const cryptoKey = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8 as Uint8Array<ArrayBuffer>,
      { name: "ECDSA", namedCurve: "P-256" },
      true,
      ["sign"],
    );
    return { algorithm: "ECDSA_P256", cryptoKey, secret: await ecdsaSecret(cryptoKey) };
  }
  throw new TypeError("Unsupported signing key: the server accepts Ed25519 and ECDSA P-256 keys.");
}

function cryptoKeyAlgorithm(key: WebCryptoKey): KeyAlgorithm {
  if (key.type !== "private" || !key.usages.includes("sign")) {
    throw new TypeError("A signing key is a private CryptoKey with the 'sign' usage.");
  }
  const algorithm = key.algorithm as EcKeyAlgorithm;
  if (algorithm.name === "Ed25519") return "ED25519";
  if (algorithm.name === "ECDSA" && algorithm.namedCurve === "P-256") return "ECDSA_P256";
  throw new TypeError(`Unsupported signing key ${algorithm.name}: the server accepts Ed25519 and ECDSA P-256.`);
}

async function signEd25519(key: ResolvedKey, message: Uint8Array): Promise<Uint8Array> {
  if (key.cryptoKey) {
    return new Uint8Array(
      await crypto.subtle.sign({ name: "Ed25519" }, key.cryptoKey, message as Uint8Array<ArrayBuffer>),
    );
  }
  return signEd25519Pkcs8(key.pkcs8 as Uint8Array, message);
}

async function ecdsaSecret(key: CryptoKey | undefined): Promise<Uint8Array> {
  if (!key?.extractable) {
    throw new TypeError(
      "Signing a digest with ECDSA needs the private scalar: pass an extractable CryptoKey or a PEM, " +
        "or sign the artifact itself with signArtifact.",
    );
  }
  const jwk = await crypto.subtle.exportKey("jwk", key);
  if (!jwk.d) throw new TypeError("The ECDSA key has no private part.");
  return fromBase64(jwk.d.replace(/-/g, "+").replace(/_/g, "/"));
}

function parsePem(pem: string): { label: string; der: Uint8Array } {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!match) throw new TypeError("Not a PEM: expected -----BEGIN …----- / -----END …----- lines.");
  return { label: match[1] as string, der: fromBase64((match[2] as string).replace(/\s+/g, "")) };
}

/** A SEC1 `ECPrivateKey` (P-256) wrapped as PKCS #8, the form WebCrypto imports. */
function sec1ToPkcs8(sec1: Uint8Array): Uint8Array {
  const algorithm = derSequence([...OID_EC_PUBLIC_KEY, ...OID_P256]);
  return derSequence([0x02, 0x01, 0x00, ...algorithm, ...derTag(0x04, [...sec1])]);
}

function derSequence(content: number[]): Uint8Array {
  return new Uint8Array(derTag(0x30, content));
}

function derTag(tag: number, content: number[]): number[] {
  const length = content.length;
  if (length < 0x80) return [tag, length, ...content];
  if (length < 0x100) return [tag, 0x81, length, ...content];
  return [tag, 0x82, length >> 8, length & 0xff, ...content];
}

/** WebCrypto's ECDSA signature (r ‖ s, 32 bytes each) as ASN.1 DER, what the server and cosign use. */
function p1363ToDer(signature: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): number[] => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const value = [...bytes.slice(start)];
    return derTag(0x02, (value[0] as number) & 0x80 ? [0, ...value] : value);
  };
  const half = signature.length / 2;
  return derSequence([...integer(signature.slice(0, half)), ...integer(signature.slice(half))]);
}

function contains(haystack: Uint8Array, needle: number[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

// --- encodings --------------------------------------------------------------------------------

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new TypeError("A sha256 digest is 64 hex digits.");
  return Uint8Array.from(hex.match(/../g) as string[], (pair) => parseInt(pair, 16));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
