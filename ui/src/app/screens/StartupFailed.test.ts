// @vitest-environment jsdom
// The startup-error screen mounted for real: when the data on this device could not be opened it
// says what failed and what to do in plain words, told apart by the core's code (the keyring
// cannot be used; the store's key is missing or wrong: never reset or delete; anything else),
// shows the core's own message and code for support, switches to English, never offers to
// delete, and "retry" asks the shell to open the store again.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import { setBackend } from '../api/backend';
import type { Startup } from '../api/bindings/Startup';
import { FakeBackend } from '../api/fake';
import StartupFailed from './StartupFailed.svelte';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  setLocale('zh-CN');
});

const STORE = '/home/inspector/.local/share/cn.fieldcase.app/device';

const keyStore: Startup = {
  error: {
    code: 'store.key_store_unavailable',
    zh: '无法使用密钥库（钥匙串）：the platform key store refused: Platform secure storage failure: no D-Bus',
    en: 'the key store (keyring) cannot be used: the platform key store refused: Platform secure storage failure: no D-Bus',
  },
  store: STORE,
};

const storeKey: Startup = {
  error: {
    code: 'store.key_unusable',
    zh: '本机数据的密钥缺失或不符，数据无法打开：the key of the store … (key id 4f2a) is not in the platform key store',
    en: "the key of this device's data is missing or wrong, the data cannot be opened: the key of the store … (key id 4f2a) is not in the platform key store",
  },
  store: STORE,
};

const other: Startup = {
  error: { code: 'forms.invalid', zh: '检查表定义有误：forms/procedures: no such folder', en: 'the forms are invalid: forms/procedures: no such folder' },
  store: null,
};

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

function render(startup: Startup, fake: FakeBackend = new FakeBackend({})) {
  setBackend(fake);
  const opened: number[] = [];
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(StartupFailed, { target, props: { startup, onopened: () => opened.push(1) } });
  flushSync();
  return { el: target, opened };
}

const byId = (el: HTMLElement, id: string) => el.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const text = (el: HTMLElement, id: string) => byId(el, id)?.textContent ?? '';

describe('StartupFailed', () => {
  it('tells a keyring that cannot be used: what failed, to call the administrator, and the error for support', async () => {
    const { el } = render(keyStore);
    expect(text(el, 'startup-failed')).toContain('应用无法打开本机数据');
    expect(text(el, 'startup-failed-what')).toContain('密钥服务没有运行');
    expect(text(el, 'startup-failed-do')).toContain('联系管理员');
    expect(text(el, 'startup-failed-detail')).toContain('no D-Bus');
    expect(text(el, 'startup-failed-detail')).toContain('store.key_store_unavailable');
    expect(text(el, 'startup-failed-detail')).toContain(STORE);
    expect(byId(el, 'startup-retry')!.textContent).toContain('重试');

    setLocale('en');
    await settle();
    expect(text(el, 'startup-failed')).toContain('cannot open the data on this device');
    expect(text(el, 'startup-failed-what')).toContain('keyring service is not running');
    expect(text(el, 'startup-failed-do')).toContain('administrator');
    expect(text(el, 'startup-failed-detail')).toContain('the key store (keyring) cannot be used');
    expect(byId(el, 'startup-retry')!.textContent).toContain('Retry');
  });

  it('warns not to reset or delete when the store key is missing or wrong', async () => {
    const { el } = render(storeKey);
    expect(text(el, 'startup-failed-what')).toContain('密钥');
    expect(text(el, 'startup-failed-what')).toContain('无法打开');
    expect(text(el, 'startup-failed-do')).toContain('请不要重置应用');
    expect(text(el, 'startup-failed-do')).toContain('联系管理员');
    expect(text(el, 'startup-failed-detail')).toContain('key id 4f2a');
    setLocale('en');
    await settle();
    expect(text(el, 'startup-failed-do')).toContain('Do NOT reset');
  });

  it('shows any other failure with its message, and never offers to delete', () => {
    const { el } = render(other);
    expect(text(el, 'startup-failed-what')).toContain('详见下方的错误信息');
    expect(text(el, 'startup-failed-detail')).toContain('forms/procedures: no such folder');
    expect(text(el, 'startup-failed-detail')).toContain('forms.invalid');
    const buttons = [...el.querySelectorAll('button')].map((b) => b.dataset.testid);
    expect(buttons).toEqual(['locale-toggle', 'contrast-toggle', 'startup-retry']);
  });

  it('retries: says so when the store still does not open, and goes on once it does', async () => {
    let attempt = 0;
    const fake = new FakeBackend({
      startup: (args) => {
        expect(args).toEqual({ retry: true });
        attempt += 1;
        return attempt === 1 ? storeKey : { error: null, store: STORE };
      },
    });
    const { el, opened } = render(keyStore, fake);
    byId(el, 'startup-retry')!.click();
    await settle();
    expect(text(el, 'startup-still')).toContain('仍然无法打开');
    // The second failure was another cause: the advice follows it.
    expect(text(el, 'startup-failed-do')).toContain('请不要重置应用');
    expect(opened).toEqual([]);

    byId(el, 'startup-retry')!.click();
    await settle();
    expect(fake.calls.map((c) => c.name)).toEqual(['startup', 'startup']);
    expect(opened).toEqual([1]);
  });
});
