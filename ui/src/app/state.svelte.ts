// App-wide state every screen reads: where the app stands (enrolled, signed in), the live sync
// state (polled once a second: it must always be visible), and the last position fix.
import type { AppState } from './api/bindings/AppState';
import type { LiveSync } from './api/bindings/LiveSync';
import type { Session } from './api/bindings/Session';
import type { FixInput } from './api/bindings/FixInput';
import { call } from './api/backend';

export const app = $state<{
  state: AppState | null;
  live: LiveSync | null;
  /** The last fix the device gave (for inbox distances and evidence locations). */
  fix: FixInput | null;
}>({ state: null, live: null, fix: null });

export function session(): Session | null {
  return app.state?.session ?? null;
}

/** The signed-in officer's roster id (what steps are recorded as). */
export function me(): string {
  return app.state?.session?.officer_id ?? '';
}

export async function refreshState(): Promise<AppState> {
  const s = await call('app_state', {});
  app.state = s;
  return s;
}

let timer: ReturnType<typeof setInterval> | null = null;

/** Polls the sync state; reports the network's state changes to the core. */
export function startSyncPolling(): void {
  if (timer) return;
  const tick = async () => {
    try {
      app.live = await call('sync_state', {});
    } catch {
      // The status bar keeps the last known state; the next tick tries again.
    }
  };
  void tick();
  timer = setInterval(tick, 1000);
  const report = () => void call('set_online', { online: navigator.onLine }).then((l) => (app.live = l));
  globalThis.addEventListener?.('online', report);
  globalThis.addEventListener?.('offline', report);
}
