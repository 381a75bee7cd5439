// The signed-in center user: `{token, user, device_id}` kept in localStorage so a reload stays
// signed in. Only center roles are ever kept; anything else is refused before it is written.
// The device id names this browser's enrolled key (kept apart, in IndexedDB: deviceKey.ts), with
// which the page renews its token.
import type { UserInfo } from './types';

export const SESSION_KEY = 'fieldcase.center.session';

export interface Session {
  token: string;
  user: UserInfo;
  /** This browser's device id at the center; absent in sessions from before renewal. */
  device_id?: string;
}

export const CENTER_ROLES = ['center_staff', 'admin'] as const;

export function isCenterRole(role: string): boolean {
  return (CENTER_ROLES as readonly string[]).includes(role);
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function loadSession(store: Storage | null = storage()): Session | null {
  const raw = store?.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    if (typeof s?.token !== 'string' || !s.token || typeof s.user?.role !== 'string') return null;
    if (s.device_id !== undefined && typeof s.device_id !== 'string') return null;
    // A session from before a role change, or written by hand: not honoured.
    if (!isCenterRole(s.user.role)) return null;
    return s;
  } catch {
    return null;
  }
}

export function saveSession(s: Session, store: Storage | null = storage()): void {
  if (!isCenterRole(s.user.role)) throw new Error('only center roles are kept');
  store?.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession(store: Storage | null = storage()): void {
  store?.removeItem(SESSION_KEY);
}
