// @vitest-environment jsdom
// The lock screen mounted for real: it says the device was revoked, that its records are sealed
// (not deleted) and to contact an admin, with the center's own words in the reader's language;
// "check" asks the core to sync now (the core asks the center with the device key) and says
// when the center still holds the device as revoked.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import { setBackend } from '../api/backend';
import type { AppState } from '../api/bindings/AppState';
import type { DeviceLock } from '../api/bindings/DeviceLock';
import type { LiveSync } from '../api/bindings/LiveSync';
import { FakeBackend } from '../api/fake';
import { app } from '../state.svelte';
import DeviceLocked from './DeviceLocked.svelte';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.state = null;
  app.live = null;
  setLocale('zh-CN');
});

const lock: DeviceLock = {
  locked_at: '2026-11-24T10:00:00+08:00',
  server: 'https://zhifa.example.gov.cn',
  center_zh: '此设备已被吊销，请联系管理员',
  center_en: 'this device has been revoked',
};

const state: AppState = {
  device_id: 'D-1',
  public_key: '00',
  enrolled: true,
  server: lock.server,
  user: null,
  pin_set: true,
  session: null,
  forms: [],
  locked: lock,
};

function live(locked: DeviceLock | null): LiveSync {
  return {
    status: {
      enrolled: true,
      server: lock.server,
      user: null,
      links_pending: 4,
      blobs_pending: 1,
      blob_bytes_pending: 1000,
      rejected: [],
      pull_cursor: 0,
      clock_offset_ms: 0,
      locked,
    },
    schedule: { state: 'waiting', at_ms: 0, after_failures: 1 },
    online: true,
    running: null,
    last_error: null,
    last_success_ms: null,
  };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

function render(fake: FakeBackend) {
  setBackend(fake);
  app.state = state;
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(DeviceLocked, { target, props: { lock } });
  flushSync();
  return target;
}

const byId = (el: HTMLElement, id: string) => el.querySelector<HTMLElement>(`[data-testid="${id}"]`);

describe('DeviceLocked', () => {
  it('says the device was revoked, the records are sealed and to contact an admin, in both languages', async () => {
    const el = render(new FakeBackend({}));
    const text = byId(el, 'device-locked')!.textContent ?? '';
    expect(text).toContain('已被吊销并锁定');
    expect(text).toContain('封存');
    expect(text).toContain('不会删除');
    expect(text).toContain('联系中心管理员');
    expect(byId(el, 'device-locked-reason')!.textContent).toContain('此设备已被吊销');
    setLocale('en');
    await settle();
    const en = byId(el, 'device-locked')!.textContent ?? '';
    expect(en).toContain('revoked');
    expect(en).toContain('sealed');
    expect(en).toContain('administrator');
    expect(byId(el, 'device-locked-reason')!.textContent).toContain('this device has been revoked');
  });

  it('asks the center again and says so when the device is still revoked', async () => {
    const fake = new FakeBackend({
      sync_now: () => live(lock),
      sync_state: () => live(lock),
      app_state: () => state,
    });
    const el = render(fake);
    byId(el, 'device-locked-check')!.click();
    flushSync();
    await new Promise((r) => setTimeout(r, 600));
    await settle();
    expect(fake.calls.map((c) => c.name)).toEqual(['sync_now', 'sync_state', 'app_state']);
    expect(byId(el, 'device-locked-still')!.textContent).toContain('仍显示本设备已吊销');
  });

  it('lets go once the center has reinstated the device', async () => {
    const fake = new FakeBackend({
      sync_now: () => live(lock),
      sync_state: () => live(null),
      app_state: () => ({ ...state, locked: null }),
    });
    const el = render(fake);
    byId(el, 'device-locked-check')!.click();
    flushSync();
    await new Promise((r) => setTimeout(r, 600));
    await settle();
    expect(byId(el, 'device-locked-still')).toBeNull();
    expect(app.state?.locked).toBeNull();
    expect(app.live?.status.locked).toBeNull();
  });
});
