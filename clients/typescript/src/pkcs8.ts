/**
 * Ed25519 from a PKCS #8 key where WebCrypto cannot import it (browsers before 2025). Internal: not
 * re-exported by the package's entry point.
 *
 * @module
 */

import { ed25519 } from "@noble/curves/ed25519.js";

/** id-Ed25519 (1.3.101.112), as its DER encoding's content. */
const ED25519_OID = [0x2b, 0x65, 0x70];

/**
 * The 32-byte seed of an Ed25519 PKCS #8 key, version 1 (`PrivateKeyInfo`) or version 2
 * (`OneAsymmetricKey`, RFC 5958, which may carry attributes and the public key after it):
 *
 *     SEQUENCE { INTEGER version, SEQUENCE { OID 1.3.101.112 }, OCTET STRING privateKey,
 *                [0] attributes OPTIONAL, [1] publicKey OPTIONAL }
 *
 * where `privateKey` holds the `CurvePrivateKey`, itself an OCTET STRING of the seed (RFC 8410).
 */
export function ed25519SeedFromPkcs8(pkcs8: Uint8Array): Uint8Array {
  const outer = readTlv(pkcs8, 0);
  if (outer.tag !== 0x30 || outer.end !== pkcs8.length) throw invalid("not a DER SEQUENCE");
  const version = readTlv(pkcs8, outer.start);
  if (version.tag !== 0x02 || version.end - version.start !== 1 || (pkcs8[version.start] as number) > 1) {
    throw invalid("unknown version");
  }
  const algorithm = readTlv(pkcs8, version.end);
  if (algorithm.tag !== 0x30) throw invalid("no AlgorithmIdentifier");
  const oid = readTlv(pkcs8, algorithm.start);
  if (oid.tag !== 0x06 || !sameBytes(pkcs8.subarray(oid.start, oid.end), ED25519_OID)) {
    throw invalid("not an Ed25519 key");
  }
  const privateKey = readTlv(pkcs8, algorithm.end);
  if (privateKey.tag !== 0x04 || privateKey.end > outer.end) throw invalid("no privateKey OCTET STRING");
  const curvePrivateKey = readTlv(pkcs8, privateKey.start);
  if (curvePrivateKey.tag !== 0x04 || curvePrivateKey.end !== privateKey.end) throw invalid("no CurvePrivateKey");
  if (curvePrivateKey.end - curvePrivateKey.start !== 32) throw invalid("the seed is not 32 bytes");
  return pkcs8.slice(curvePrivateKey.start, curvePrivateKey.end);
}

/** The Ed25519 signature of `message` by the PKCS #8 key `pkcs8`, made by `@noble/curves`. */
export function signEd25519Pkcs8(pkcs8: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, ed25519SeedFromPkcs8(pkcs8));
}

interface Tlv {
  tag: number;
  /** Where the content starts. */
  start: number;
  /** Where the content ends (exclusive). */
  end: number;
}

/** The DER element at `offset` (definite lengths only, as DER has). */
function readTlv(der: Uint8Array, offset: number): Tlv {
  if (offset + 2 > der.length) throw invalid("truncated");
  const tag = der[offset] as number;
  let length = der[offset + 1] as number;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3 || start + count > der.length) throw invalid("bad length");
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | (der[start + i] as number);
    start += count;
  }
  const end = start + length;
  if (end > der.length) throw invalid("truncated");
  return { tag, start, end };
}

function sameBytes(bytes: Uint8Array, expected: number[]): boolean {
  return bytes.length === expected.length && expected.every((byte, i) => bytes[i] === byte);
}

function invalid(detail: string): TypeError {
  return new TypeError(`Not a valid Ed25519 PKCS #8 private key: ${detail}.`);
}
