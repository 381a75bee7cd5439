// The center app's one piece of global state: who is signed in, the API client bound to their
// token, and a message to show on the sign-in page after being sent there.
import { ApiClient, serverFromSearch } from '../lib/api/client';
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

export const api = new ApiClient({
  base: serverFromSearch(location.search),
  token: () => app.session?.token ?? null,
  // Any 401 (token revoked, server reset, device removed): back to enrollment, saying why.
  onUnauthorized: (e) => signOut({ key: 'signin.expired', tone: 'warn', error: e }),
});

export function signIn(s: Session): void {
  saveSession(s);
  app.session = s;
  app.flash = null;
}

export function signOut(flash: Flash): void {
  clearSession();
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
