// The center app's one piece of global state: who is signed in, the API client bound to their
// token, and a message to show on the sign-in page after being sent there.
import { ApiClient, PROTOCOL_VERSION, serverFromSearch } from '../lib/api/client';
import { indexedDbKeyStore, renewalBody } from '../lib/api/deviceKey';
import type { ApiError } from '../lib/api/error';
import { clearSession, loadSession, saveSession, type Session } from '../lib/api/session';
import type { MessageKey } from '../lib/i18n';
import { hrefFor } from './router';

export interface Flash {
  key: MessageKey;
  tone: 'info' | 'warn';
  /** The server's refusal that caused it, shown beside the message. */
  error?: ApiError;
}

export const app = $state<{ session: Session | null; flash: Flash | null }>({
  session: loadSession(),
  flash: null,
});

/** This browser's device key, kept to renew the token. */
export const deviceKeys = indexedDbKeyStore();

export const api = new ApiClient({
  base: serverFromSearch(location.search),
  token: () => app.session?.token ?? null,
  // An expired (30 days by default) or revoked token: a new one with the device key, the staff
  // member's work going on as if nothing happened.
  renew: renewToken,
  // Any other 401 (device revoked, server reset), or a renewal refused: back to enrollment,
  // saying why.
  onUnauthorized: (e) => signOut({ key: 'signin.expired', tone: 'warn', error: e }),
});

/** `POST /v1/token/renew` signed with this browser's device key; true once the new token is
 *  kept. False when there is nothing to renew with (a session from before renewal, a browser
 *  whose IndexedDB was cleared). */
async function renewToken(): Promise<boolean> {
  const s = app.session;
  if (!s?.device_id) return false;
  const key = await deviceKeys.load(s.device_id);
  if (!key) return false;
  const body = await renewalBody(key, s.device_id, Date.now(), PROTOCOL_VERSION);
  const answer = await api.post<{ token: string }>('/v1/token/renew', body, true);
  // Signed out (or enrolled anew) while the renewal was under way: that session is gone.
  if (!app.session || app.session.device_id !== s.device_id) return false;
  const next = { ...app.session, token: answer.token };
  saveSession(next);
  app.session = next;
  return true;
}

export function signIn(s: Session): void {
  saveSession(s);
  app.session = s;
  app.flash = null;
}

export function signOut(flash: Flash): void {
  clearSession();
  // The key goes with the session: nobody renews a token for this browser after signing out.
  void deviceKeys.clear().catch(() => undefined);
  app.session = null;
  app.flash = flash;
  location.hash = hrefFor('signin');
}

// The user signs out: the center revokes this page's token first (`POST /v1/token/revoke`), so
// a copy of it left in the browser or taken from it stops working; then the session is dropped
// here. Unreachable center or a token already refused: signed out locally all the same.
export async function signOutAndRevoke(): Promise<void> {
  try {
    await api.post('/v1/token/revoke', undefined);
  } catch {
    // Nothing to undo: the local sign-out below is what the user asked for.
  }
  signOut({ key: 'signin.signed_out', tone: 'info' });
}
