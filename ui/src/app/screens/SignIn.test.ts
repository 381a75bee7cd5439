// @vitest-environment jsdom
// The PIN pad mounted for real: six taps send the PIN, a wrong PIN or a lock-out shows the
// core's words under the pad and empties the entry, success reloads the app state.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import { setBackend } from '../api/backend';
import type { AppState } from '../api/bindings/AppState';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import SignIn from './SignIn.svelte';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.state = null;
  setLocale('zh-CN');
});

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

const base: AppState = {
  device_id: 'D-1',
  public_key: 'ab',
  enrolled: true,
  server: 'https://zhifa.example.gov.cn',
  user: { user_id: 'U-1', name: '王强', role: 'inspector', area: '320500', team: 'T1', officer_id: 'O-1' },
  pin_set: true,
  session: null,
  forms: [],
  locked: null,
};
const session = { user_id: 'U-1', name: '王强', role: 'inspector', officer_id: 'O-1', signed_in_at_ms: 1 };

function render(fake: FakeBackend) {
  setBackend(fake);
  app.state = base;
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(SignIn, { target });
  flushSync();
  return target;
}

function tap(el: HTMLElement, digits: string) {
  for (const d of digits) {
    el.querySelector<HTMLButtonElement>(`[data-testid="pin-key-${d}"]`)!.click();
    flushSync();
  }
}

const filled = (el: HTMLElement) => el.querySelector('[data-testid="pin-dots"]')!.getAttribute('data-filled');

describe('SignIn', () => {
  it('names the enrolled user and has large keys 0-9 plus delete', () => {
    const el = render(new FakeBackend({}));
    expect(el.querySelector('[data-testid="sign-in-user"]')!.textContent).toContain('王强');
    for (const d of '0123456789') expect(el.querySelector(`[data-testid="pin-key-${d}"]`)).not.toBeNull();
    tap(el, '12');
    expect(filled(el)).toBe('2');
    el.querySelector<HTMLButtonElement>('[data-testid="pin-delete"]')!.click();
    flushSync();
    expect(filled(el)).toBe('1');
  });

  it('shows a wrong PIN under the pad and clears the entry', async () => {
    const fake = new FakeBackend({
      sign_in: () => {
        throw refusal('auth.pin_wrong', '离线密码错误，还可以再试 4 次', 'wrong PIN; 4 attempts left');
      },
    });
    const el = render(fake);
    tap(el, '482913');
    await settle();
    expect(fake.calls).toEqual([{ name: 'sign_in', args: { pin: '482913' } }]);
    const banner = el.querySelector('[data-testid="error-banner"]')!;
    expect(banner.getAttribute('data-code')).toBe('auth.pin_wrong');
    expect(banner.textContent).toContain('离线密码错误');
    // Under the pad, not somewhere else on the page.
    expect(el.querySelector('[data-testid="pin-pad"]')!.compareDocumentPosition(banner) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(filled(el)).toBe('0');
    expect(app.state?.session).toBeNull();
  });

  it('shows a lock-out in the chosen language', async () => {
    setLocale('en');
    const fake = new FakeBackend({
      sign_in: () => {
        throw refusal('auth.locked', '尝试次数过多，请 5 分钟后再试', 'too many attempts; try again in 5 minutes');
      },
    });
    const el = render(fake);
    tap(el, '482913');
    await settle();
    expect(el.querySelector('[data-testid="error-banner"]')!.textContent).toContain('too many attempts');
    expect(filled(el)).toBe('0');
  });

  it('signs in and reloads the app state', async () => {
    const fake = new FakeBackend({
      sign_in: () => session,
      app_state: () => ({ ...base, session }),
    });
    const el = render(fake);
    tap(el, '48291');
    expect(fake.calls).toEqual([]);
    tap(el, '3');
    await settle();
    expect(fake.calls.map((c) => c.name)).toEqual(['sign_in', 'app_state']);
    expect(app.state?.session).toEqual(session);
    expect(el.querySelector('[data-testid="error-banner"]')).toBeNull();
  });
});
