// UUID v7 (RFC 9562): 48-bit Unix milliseconds, version 7, variant 10, random rest. Device ids
// are v7 like every other id in the system, so they sort by creation time.

/** Formats 16 bytes as the canonical 8-4-4-4-12 lowercase hex. */
export function formatUuid(b: Uint8Array): string {
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A v7 UUID for `ms` with `random` (at least 10 bytes; only the bits after the version and
 * variant fields are used). Both are parameters so the layout can be tested exactly.
 */
export function uuidv7(ms: number, random: Uint8Array): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError('uuidv7: ms out of range');
  if (random.length < 10) throw new RangeError('uuidv7: 10 random bytes needed');
  const b = new Uint8Array(16);
  // 48-bit big-endian timestamp; division, not bit shifts, because JS shifts are 32-bit.
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b.set(random.subarray(0, 10), 6);
  b[6] = 0x70 | (b[6] & 0x0f); // version 7
  b[8] = 0x80 | (b[8] & 0x3f); // variant 10
  return formatUuid(b);
}

/** A fresh v7 UUID from the clock and the platform's CSPRNG (available without HTTPS too). */
export function newUuidv7(): string {
  const r = new Uint8Array(10);
  crypto.getRandomValues(r);
  return uuidv7(Date.now(), r);
}

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
