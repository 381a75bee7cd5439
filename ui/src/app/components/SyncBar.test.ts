// @vitest-environment jsdom
// The sync bar mounted for real: the words of each state from the live sync state, the reason
// when attention is needed, and "sync now" in every state with its refusal beside it.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setBackend } from '../api/backend';
import type { LiveSync } from '../api/bindings/LiveSync';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import SyncBar from './SyncBar.svelte';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.live = null;
});

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

function live(over: Partial<LiveSync> = {}, status: Partial<LiveSync['status']> = {}): LiveSync {
  return {
    status: {
      enrolled: true,
      server: 's',
      user: 'u',
      links_pending: 0,
      blobs_pending: 0,
      blob_bytes_pending: 0,
      rejected: [],
      pull_cursor: 0,
      clock_offset_ms: 0,
      locked: null,
      ...status,
    },
    schedule: { state: 'waiting', at_ms: 0, after_failures: 0 },
    online: true,
    running: null,
    last_error: null,
    last_success_ms: null,
    ...over,
  };
}

function render(fake = new FakeBackend({})) {
  setBackend(fake);
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(SyncBar, { target });
  flushSync();
  return target;
}

const bar = (el: HTMLElement) => el.querySelector<HTMLElement>('[data-testid="sync-bar"]')!;
const headline = (el: HTMLElement) => el.querySelector('[data-testid="sync-headline"]')!.textContent;

describe('SyncBar', () => {
  it('words each state', () => {
    const el = render();
    expect(bar(el).dataset.state).toBe('unknown');

    app.live = live({ online: false }, { links_pending: 3, blobs_pending: 2 });
    flushSync();
    expect(bar(el).dataset.state).toBe('offline');
    expect(headline(el)).toContain('离线：3 条记录、2 个文件待发送');

    app.live = live({
      running: { phase: 'uploading', links_total: 3, blobs_done: 1, blobs_total: 4, bytes_sent: 1.2 * 1048576, bytes_total: 5 * 1048576 },
    });
    flushSync();
    expect(headline(el)).toBe('正在上传文件 1/4（1.2 MB / 5.0 MB）');

    app.live = live({ running: { phase: 'sending', links_total: 7, blobs_done: 0, blobs_total: 0, bytes_sent: 0, bytes_total: 0 } });
    flushSync();
    expect(headline(el)).toBe('正在发送 7 条记录');

    app.live = live({}, { links_pending: 2, blobs_pending: 1, blob_bytes_pending: 2048 });
    flushSync();
    expect(bar(el).dataset.state).toBe('waiting');
    expect(headline(el)).toBe('待发送：2 条记录、1 个文件（2.0 KB）');

    app.live = live();
    flushSync();
    expect(bar(el).dataset.state).toBe('all_sent');
    expect(headline(el)).toBe('全部已送达中心');
  });

  it('shows why attention is needed and refused records', () => {
    const el = render();
    const reason = JSON.stringify({ code: 'op.invalid', zh: '记录签名无效', en: 'bad signature' });
    app.live = live({}, { rejected: [{ seq: 1, op_id: 'o', case_id: 'C-1', kind: 'answer', reason }] });
    flushSync();
    expect(bar(el).dataset.state).toBe('attention');
    expect(el.querySelector('[data-testid="sync-reason"]')!.textContent).toBe('记录签名无效');
    expect(el.querySelector('[data-testid="sync-rejected"]')!.textContent).toBe('中心拒收了 1 条记录');
    expect(el.querySelector('[data-testid="sync-now"]')).not.toBeNull();
  });

  it('syncs now and shows the new state; a refusal shows beside the button', async () => {
    const fake = new FakeBackend({ sync_now: () => live({}, { links_pending: 1 }) });
    const el = render(fake);
    app.live = live({ online: false });
    flushSync();
    el.querySelector<HTMLButtonElement>('[data-testid="sync-now"]')!.click();
    await settle();
    expect(fake.calls).toEqual([{ name: 'sync_now', args: {} }]);
    expect(bar(el).dataset.state).toBe('waiting');

    fake.on('sync_now', () => {
      throw refusal('sync.not_enrolled', '本设备尚未登记', 'this device is not enrolled');
    });
    el.querySelector<HTMLButtonElement>('[data-testid="sync-now"]')!.click();
    await settle();
    expect(bar(el).querySelector('[data-testid="error-banner"]')!.textContent).toContain('本设备尚未登记');
  });
});
