// @vitest-environment jsdom
// The field app's first question: when the shell answers that the data on this device did not
// open, the startup-error screen is shown instead of first run or the PIN pad, and nothing else
// is asked of the core; once a retry opens it, the app boots as usual (here: first run).
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setBackend } from './api/backend';
import type { AppState } from './api/bindings/AppState';
import type { LiveSync } from './api/bindings/LiveSync';
import type { Startup } from './api/bindings/Startup';
import { FakeBackend } from './api/fake';
import { app } from './state.svelte';
import App from './App.svelte';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.state = null;
  app.live = null;
});

const failed: Startup = {
  error: {
    code: 'store.key_store_unavailable',
    zh: '无法使用密钥库（钥匙串）：FIELDCASE_KEY_STORE="nowhere" is not a key store',
    en: 'the key store (keyring) cannot be used: FIELDCASE_KEY_STORE="nowhere" is not a key store',
  },
  store: '/data/device',
};

const fresh: AppState = {
  device_id: 'D-1',
  public_key: 'ab',
  enrolled: false,
  server: null,
  user: null,
  pin_set: false,
  session: null,
  forms: [],
  locked: null,
};

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  flushSync();
};

const byId = (el: HTMLElement, id: string) => el.querySelector<HTMLElement>(`[data-testid="${id}"]`);

describe('App startup', () => {
  it('shows the startup-error screen, asks nothing else, and boots once a retry opens the store', async () => {
    let open = false;
    const fake = new FakeBackend({
      startup: ({ retry }) => {
        if (retry) open = true;
        return open ? { error: null, store: '/data/device' } : failed;
      },
      app_state: () => fresh,
      sync_state: () => ({ online: true }) as LiveSync,
      set_online: () => ({ online: true }) as LiveSync,
    });
    setBackend(fake);
    const target = document.createElement('div');
    document.body.appendChild(target);
    mounted = mount(App, { target });
    await settle();

    expect(byId(target, 'startup-failed')).not.toBeNull();
    expect(byId(target, 'startup-failed')!.dataset.code).toBe('store.key_store_unavailable');
    expect(byId(target, 'first-run')).toBeNull();
    expect(byId(target, 'pin-pad')).toBeNull();
    expect(fake.calls.map((c) => c.name)).toEqual(['startup']);

    byId(target, 'startup-retry')!.click();
    await settle();
    expect(byId(target, 'startup-failed')).toBeNull();
    expect(byId(target, 'first-run')).not.toBeNull();
    expect(fake.calls.map((c) => c.name).slice(0, 3)).toEqual(['startup', 'startup', 'app_state']);
  });
});
