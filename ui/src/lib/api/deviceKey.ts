// The center browser's device key, kept so the page can renew its own token. The key is made at
// enrollment as a non-extractable WebCrypto Ed25519 key: the page can sign with it, nothing can
// read it out. IndexedDB is the only browser storage that holds a CryptoKey as it is (localStorage
// holds text), so the key lives there, beside the session's `device_id` in localStorage.
//
// Renewal is the devices' own (`POST /v1/token/renew`): a signature over (device id, time) in the
// `token-renew` context, the same bytes `fieldcase_protocol::sync::renew_payload` and
// `signing_message` build. A stolen token cannot be renewed without the key; signing out forgets
// both.
import { deviceMessage, toHex } from './enroll';

/** Where the page keeps its device key between visits. */
export interface KeyStore {
  save(deviceId: string, key: CryptoKey): Promise<void>;
  /** The key saved for `deviceId`; null when none is (another device's, or none at all). */
  load(deviceId: string): Promise<CryptoKey | null>;
  clear(): Promise<void>;
}

const DB = 'fieldcase-center';
const STORE = 'device-key';
const ONLY = 'current';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function inStore<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** The browser's IndexedDB: one key, the current device's. */
export function indexedDbKeyStore(): KeyStore {
  return {
    save: (deviceId, key) => inStore('readwrite', (s) => s.put({ deviceId, key }, ONLY)),
    async load(deviceId) {
      if (typeof indexedDB === 'undefined') return null;
      const kept = await inStore<{ deviceId: string; key: CryptoKey } | undefined>('readonly', (s) => s.get(ONLY));
      return kept && kept.deviceId === deviceId ? kept.key : null;
    },
    async clear() {
      if (typeof indexedDB === 'undefined') return;
      await inStore('readwrite', (s) => s.delete(ONLY));
    },
  };
}

/** `fieldcase_protocol::sync::CONTEXT_RENEW`. */
export const CONTEXT_RENEW = 'token-renew';

/** The bytes a renewal signs: `fieldcase/v1/` + context + NUL + `{len(id)}:{id}:{at_ms}`. */
export function renewMessage(deviceId: string, atMs: number): Uint8Array {
  return deviceMessage(CONTEXT_RENEW, deviceId, atMs);
}

/** The body of `POST /v1/token/renew` for this device at `atMs`, signed with its key. */
export async function renewalBody(
  key: CryptoKey,
  deviceId: string,
  atMs: number,
  protocol: number,
  subtle: SubtleCrypto = globalThis.crypto.subtle,
): Promise<{ protocol: number; device_id: string; at_ms: number; signature: string }> {
  const sig = await subtle.sign({ name: 'Ed25519' }, key, renewMessage(deviceId, atMs) as BufferSource);
  return { protocol, device_id: deviceId, at_ms: atMs, signature: toHex(sig) };
}
