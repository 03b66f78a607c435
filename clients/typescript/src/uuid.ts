/**
 * Random UUIDs. Internal: not re-exported by the package's entry point.
 *
 * @module
 */

/**
 * A random (version 4) UUID: `crypto.randomUUID` where there is one, which browsers give only to
 * secure contexts (HTTPS, localhost); otherwise made from `crypto.getRandomValues`, which they
 * give to every page.
 */
export function randomUUID(): string {
  const native = (globalThis.crypto as Partial<Crypto> | undefined)?.randomUUID;
  if (typeof native === "function") return native.call(globalThis.crypto);
  return randomUUIDFromRandomValues();
}

/** A version 4 UUID from `crypto.getRandomValues` (RFC 9562, section 5.4). */
export function randomUUIDFromRandomValues(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // variant 10xx
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
