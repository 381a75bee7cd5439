// Enrolling this browser as a center staff member's device: a fresh Ed25519 key (WebCrypto),
// a v7 device id, the admin's one-time code. The server registers the public key, with the
// key's proof over the id and the code, and answers a token. The private key is made
// non-extractable and kept only to sign that proof and renew the token (`deviceKey.ts`):
// nothing, not even this page, can read it out.
import { PROTOCOL_VERSION } from './client';
import { localError } from './error';
import type { EnrollRequest } from './types';
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

/** `fieldcase_protocol::sync::CONTEXT_ENROLL`. */
export const CONTEXT_ENROLL = 'device-enroll';

/** The bytes a signature in `context` covers: `fieldcase/v1/` + context + NUL + payload (UTF-8). */
export function signingMessage(context: string, payload: string): Uint8Array {
  const enc = new TextEncoder();
  const head = enc.encode(`fieldcase/v1/${context}\0`);
  const body = enc.encode(payload);
  const m = new Uint8Array(head.length + body.length);
  m.set(head, 0);
  m.set(body, head.length);
  return m;
}

/** What a device proof signs in `context`: `{len(id) in bytes}:{id}:{tail}`, the id's length
 *  first so no id can forge the boundary (`fieldcase_protocol`'s `device_proof`). */
export function deviceMessage(context: string, deviceId: string, tail: string | number): Uint8Array {
  const idBytes = new TextEncoder().encode(deviceId).length;
  return signingMessage(context, `${idBytes}:${deviceId}:${tail}`);
}

/** The bytes an enrollment's proof signs: the device id and the code, in `device-enroll`
 *  (`fieldcase_protocol::sync::enroll_payload`). Bound to the one-time code, a proof serves once. */
export function enrollMessage(deviceId: string, code: string): Uint8Array {
  return deviceMessage(CONTEXT_ENROLL, deviceId, code);
}

/** The body of `POST /v1/enroll`: the code, the key's public half and its proof. */
export async function enrollmentBody(
  code: string,
  key: { publicKey: string; privateKey: CryptoKey },
  label: string,
  deviceId = newUuidv7(),
  subtle: SubtleCrypto = globalThis.crypto.subtle,
): Promise<EnrollRequest> {
  const sig = await subtle.sign({ name: 'Ed25519' }, key.privateKey, enrollMessage(deviceId, code) as BufferSource);
  return { protocol: PROTOCOL_VERSION, code, device_id: deviceId, public_key: key.publicKey, label: label.trim(), proof: toHex(sig) };
}
