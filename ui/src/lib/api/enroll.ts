// Enrolling this browser as a center staff member's device: a fresh Ed25519 key (WebCrypto),
// a v7 device id, the admin's one-time code. The server registers the public key and answers a
// token. The private key is made non-extractable and kept only to renew that token
// (`deviceKey.ts`): nothing, not even this page, can read it out.
import { PROTOCOL_VERSION } from './client';
import { localError } from './error';
import { newUuidv7 } from './uuid';

/** The code as typed, with the spaces and hyphens people add to read it; null if not 12 digits. */
export function normalizeCode(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, '');
  return /^\d{12}$/.test(digits) ? digits : null;
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * A new Ed25519 key pair: its private key (non-extractable, for signing token renewals) and its
 * public key as 64 lowercase hex. Refuses clearly where WebCrypto is missing (plain-HTTP pages
 * are not a secure context) or lacks Ed25519 (older browsers).
 */
export async function newDeviceKey(
  subtle: SubtleCrypto | null = globalThis.crypto?.subtle ?? null,
): Promise<{ publicKey: string; privateKey: CryptoKey }> {
  if (!subtle) throw localError('client.insecure_context', 'signin.insecure_context');
  let pair: CryptoKeyPair;
  try {
    // Not extractable: the private key never leaves WebCrypto (the public key always may).
    pair = (await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  } catch {
    throw localError('client.ed25519_unsupported', 'signin.ed25519_unsupported');
  }
  const raw = await subtle.exportKey('raw', pair.publicKey);
  if (raw.byteLength !== 32) throw localError('client.ed25519_unsupported', 'signin.ed25519_unsupported');
  return { publicKey: toHex(raw), privateKey: pair.privateKey };
}

export interface EnrollmentBody {
  protocol: number;
  code: string;
  device_id: string;
  public_key: string;
  label: string;
}

export function enrollmentBody(code: string, publicKey: string, label: string, deviceId = newUuidv7()): EnrollmentBody {
  return { protocol: PROTOCOL_VERSION, code, device_id: deviceId, public_key: publicKey, label: label.trim() };
}
