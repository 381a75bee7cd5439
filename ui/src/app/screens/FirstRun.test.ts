// @vitest-environment jsdom
// First run mounted for real: the PIN entries compared before anything is sent, the core's
// refusal shown right under the button, and the new app state taken on success.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setBackend } from '../api/backend';
import type { AppState } from '../api/bindings/AppState';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import FirstRun from './FirstRun.svelte';

let mounted: ReturnType<typeof mount> | null = null;

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

function render(fake: FakeBackend) {
  setBackend(fake);
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(FirstRun, { target });
  flushSync();
  return target;
}

function fill(el: HTMLElement, testid: string, value: string) {
  const input = el.querySelector<HTMLInputElement>(`[data-testid="${testid}"]`)!;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

/** Chooses `file` on the certificate picker, as the WebView's file dialog would. */
async function chooseFile(el: HTMLElement, file: File) {
  const input = el.querySelector<HTMLInputElement>('[data-testid="enroll-ca-file"]')!;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  input.dispatchEvent(new Event('change', { bubbles: true }));
  await settle();
}

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';

function fillForm(el: HTMLElement, pin: string, again: string) {
  fill(el, 'enroll-server', ' https://zhifa.example.gov.cn ');
  fill(el, 'enroll-code', '123456789012');
  fill(el, 'enroll-pin', pin);
  fill(el, 'enroll-pin-again', again);
  flushSync();
}

const enrolled: AppState = {
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

/** The element right after the submit button's row: where the refusal must be. */
const underButton = (el: HTMLElement) =>
  el.querySelector('[data-testid="enroll-submit"]')!.parentElement!.nextElementSibling as HTMLElement | null;

describe('FirstRun', () => {
  it('uses secure numeric PIN fields and the catalogue default device name', () => {
    const el = render(new FakeBackend({}));
    for (const id of ['enroll-pin', 'enroll-pin-again']) {
      const pin = el.querySelector<HTMLInputElement>(`[data-testid="${id}"]`)!;
      expect(pin.type).toBe('password');
      expect(pin.getAttribute('inputmode')).toBe('numeric');
      expect(pin.getAttribute('autocomplete')).toBe('off');
    }
    expect(el.querySelector<HTMLInputElement>('[data-testid="enroll-label"]')!.value).toBe('现场执法终端');
    expect(el.textContent).toContain('离线');
  });

  it('refuses two different PIN entries without calling the core', async () => {
    const fake = new FakeBackend({});
    const el = render(fake);
    fillForm(el, '482913', '482914');
    el.querySelector<HTMLButtonElement>('[data-testid="enroll-submit"]')!.click();
    await settle();
    expect(fake.calls).toEqual([]);
    const banner = underButton(el);
    expect(banner?.getAttribute('data-testid')).toBe('error-banner');
    expect(banner?.textContent).toContain('两次输入的离线密码不一致');
    expect(el.querySelector<HTMLInputElement>('[data-testid="enroll-pin-again"]')!.value).toBe('');
  });

  it('shows the core refusal under the button', async () => {
    const fake = new FakeBackend({
      enroll: () => {
        throw refusal('auth.pin_weak', '离线密码过于简单', 'the PIN is too easy to guess');
      },
    });
    const el = render(fake);
    fillForm(el, '123456', '123456');
    el.querySelector<HTMLButtonElement>('[data-testid="enroll-submit"]')!.click();
    await settle();
    expect(fake.calls).toHaveLength(1);
    const banner = underButton(el);
    expect(banner?.getAttribute('data-code')).toBe('auth.pin_weak');
    expect(banner?.textContent).toContain('离线密码过于简单');
    expect(app.state).toBeNull();
  });

  it('enrolls with the form values and takes the new app state', async () => {
    const fake = new FakeBackend({ enroll: () => enrolled });
    const el = render(fake);
    fillForm(el, '482913', '482913');
    el.querySelector<HTMLButtonElement>('[data-testid="enroll-submit"]')!.click();
    await settle();
    expect(fake.calls).toEqual([
      {
        name: 'enroll',
        args: { server: 'https://zhifa.example.gov.cn', code: '123456789012', label: '现场执法终端', pin: '482913', ca_pem: null },
      },
    ]);
    expect(app.state).toEqual(enrolled);
    expect(el.querySelector('[data-testid="error-banner"]')).toBeNull();
  });

  it('sends the chosen center certificate as PEM text, and nothing once it is cleared', async () => {
    const fake = new FakeBackend({ enroll: () => enrolled });
    const el = render(fake);
    // The catalogue's button opens the hidden picker.
    const picker = el.querySelector<HTMLInputElement>('[data-testid="enroll-ca-file"]')!;
    expect(picker.hidden).toBe(true);
    const opened = vi.fn();
    picker.addEventListener('click', opened);
    el.querySelector<HTMLButtonElement>('[data-testid="enroll-ca-choose"]')!.click();
    expect(opened).toHaveBeenCalledTimes(1);
    fillForm(el, '482913', '482913');
    await chooseFile(el, new File([PEM], 'suzhou-ca.pem', { type: 'application/x-pem-file' }));
    expect(el.querySelector('[data-testid="enroll-ca-chosen"]')?.textContent).toBe('已选证书：suzhou-ca.pem');
    el.querySelector<HTMLButtonElement>('[data-testid="enroll-submit"]')!.click();
    await settle();
    expect((fake.calls[0].args as { ca_pem: string | null }).ca_pem).toBe(PEM);

    app.state = null;
    el.querySelector<HTMLButtonElement>('[data-testid="enroll-ca-clear"]')!.click();
    flushSync();
    expect(el.querySelector('[data-testid="enroll-ca-chosen"]')).toBeNull();
    expect(el.querySelector('[data-testid="enroll-ca-choose"]')?.textContent).toBe('选择证书文件');
    el.querySelector<HTMLButtonElement>('[data-testid="enroll-submit"]')!.click();
    await settle();
    expect((fake.calls[1].args as { ca_pem: string | null }).ca_pem).toBeNull();
  });

  it('refuses a file far too large to be a certificate without calling the core', async () => {
    const fake = new FakeBackend({});
    const el = render(fake);
    fillForm(el, '482913', '482913');
    await chooseFile(el, new File([new Uint8Array(300 * 1024)], 'photo.jpg'));
    expect(el.querySelector('[data-testid="enroll-ca-chosen"]')).toBeNull();
    const banner = underButton(el);
    expect(banner?.getAttribute('data-code')).toBe('ui.ca_too_big');
    expect(banner?.textContent).toContain('photo.jpg');
    expect(fake.calls).toEqual([]);
  });

  it('shows the core refusal of a file that is not a certificate under the button', async () => {
    const fake = new FakeBackend({
      enroll: () => {
        throw refusal('input.ca', '所选文件不是证书', 'the chosen file is not a certificate');
      },
    });
    const el = render(fake);
    fillForm(el, '482913', '482913');
    await chooseFile(el, new File(['hello'], 'notes.txt'));
    el.querySelector<HTMLButtonElement>('[data-testid="enroll-submit"]')!.click();
    await settle();
    expect(underButton(el)?.getAttribute('data-code')).toBe('input.ca');
    expect(app.state).toBeNull();
  });
});
