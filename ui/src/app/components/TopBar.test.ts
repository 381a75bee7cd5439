// @vitest-environment jsdom
// The top bar mounted for real: who is signed in, sunlight mode kept in localStorage, the way
// back to the inbox off the inbox, and sign-out taking the core's new state.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setBackend } from '../api/backend';
import type { AppState } from '../api/bindings/AppState';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import TopBar from './TopBar.svelte';

let mounted: ReturnType<typeof mount> | null = null;

const signedOut: AppState = {
  device_id: 'D-1',
  public_key: 'ab',
  enrolled: true,
  server: 's',
  user: { user_id: 'U-1', name: '王强', role: 'inspector', area: '320500', team: 'T1', officer_id: 'O-1' },
  pin_set: true,
  session: null,
  forms: [],
  locked: null,
};
const signedIn: AppState = {
  ...signedOut,
  session: { user_id: 'U-1', name: '王强', role: 'inspector', officer_id: 'O-1', signed_in_at_ms: 1 },
};

beforeEach(() => {
  location.hash = '#/inbox';
  localStorage.clear();
  document.documentElement.classList.remove('high-contrast');
});

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.state = null;
});

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

function render(fake = new FakeBackend({}), state: AppState = signedIn) {
  setBackend(fake);
  app.state = state;
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(TopBar, { target });
  flushSync();
  return target;
}

const q = (el: HTMLElement, id: string) => el.querySelector<HTMLButtonElement>(`[data-testid="${id}"]`);

describe('TopBar', () => {
  it('shows the user with role, the sync bar and the locale toggle', () => {
    const el = render();
    expect(q(el, 'top-user')!.textContent!.trim()).toBe('王强（执法人员）');
    expect(q(el, 'sync-bar')).not.toBeNull();
    expect(q(el, 'locale-toggle')).not.toBeNull();
  });

  it('shows neither user nor sign-out before sign-in, but the sync state', () => {
    const el = render(new FakeBackend({}), signedOut);
    expect(q(el, 'top-user')).toBeNull();
    expect(q(el, 'sign-out')).toBeNull();
    expect(q(el, 'sync-bar')).not.toBeNull();
  });

  it('offers no way into other screens on a device the center revoked, but keeps language and sign-out', () => {
    const el = render(new FakeBackend({}), {
      ...signedIn,
      locked: { locked_at: '2026-11-24T10:00:00+08:00', server: 's', center_zh: '已吊销', center_en: 'revoked' },
    });
    expect(q(el, 'open-verify')).toBeNull();
    expect(q(el, 'back-to-inbox')).toBeNull();
    expect(q(el, 'locale-toggle')).not.toBeNull();
    expect(q(el, 'sign-out')).not.toBeNull();
  });

  it('toggles sunlight mode and remembers it', () => {
    const el = render();
    const button = q(el, 'contrast-toggle')!;
    expect(button.getAttribute('aria-pressed')).toBe('false');
    button.click();
    flushSync();
    expect(document.documentElement.classList.contains('high-contrast')).toBe(true);
    expect(localStorage.getItem('fieldcase.contrast')).toBe('high');
    expect(button.getAttribute('aria-pressed')).toBe('true');
    button.click();
    flushSync();
    expect(document.documentElement.classList.contains('high-contrast')).toBe(false);
    expect(localStorage.getItem('fieldcase.contrast')).toBeNull();
  });

  it('offers the way back to the inbox only off the inbox', async () => {
    const el = render();
    expect(q(el, 'back-to-inbox')).toBeNull();
    location.hash = '#/enterprise/E-01';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    flushSync();
    q(el, 'back-to-inbox')!.click();
    expect(location.hash).toBe('#/inbox');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    flushSync();
    expect(q(el, 'back-to-inbox')).toBeNull();
  });

  it('offers the credential check (扫码验证) on the inbox, and the way back from it', () => {
    const el = render();
    const open = q(el, 'open-verify')!;
    expect(open.textContent).toContain('验证执法证');
    open.click();
    expect(location.hash).toBe('#/verify');
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    flushSync();
    expect(q(el, 'open-verify')).toBeNull();
    expect(q(el, 'back-to-inbox')).not.toBeNull();
  });

  it('signs out and takes the new state; a refusal shows in the bar', async () => {
    const fake = new FakeBackend({ sign_out: () => signedOut });
    const el = render(fake);
    q(el, 'sign-out')!.click();
    await settle();
    expect(fake.calls).toEqual([{ name: 'sign_out', args: {} }]);
    expect(app.state).toEqual(signedOut);

    app.state = signedIn;
    flushSync();
    fake.on('sign_out', () => {
      throw refusal('store.io', '无法写入本机数据库', 'cannot write the local database');
    });
    q(el, 'sign-out')!.click();
    await settle();
    expect(el.querySelector('[data-testid="error-banner"]')!.textContent).toContain('无法写入本机数据库');
  });
});
