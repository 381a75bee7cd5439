// @vitest-environment jsdom
// 扫码验证 mounted for real: the token typed or pasted goes to verify_credential as `text`, a
// picture from the camera input as `image_base64`; the verdict shows large (status, claims, key,
// the revocation list's age as the core measured it, or the warning that none was consulted);
// the core's refusals show in the banner.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setBackend } from '../api/backend';
import type { CredentialCheck } from '../api/bindings/CredentialCheck';
import type { CredentialVerdict } from '../api/bindings/CredentialVerdict';
import type { VerifyCredentialArgs } from '../api/bindings/VerifyCredentialArgs';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import { KID, OFFICERS, TOKEN, signedIn, verdictOf } from '../procedure/fixtures';
import VerifyCredential from './VerifyCredential.svelte';

let mounted: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  app.state = signedIn();
  location.hash = '#/verify';
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

const q = (el: ParentNode, testid: string) => el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);

function checkOf(verdict: CredentialVerdict, ageMs: number | null = 3 * 3600_000): CredentialCheck {
  return { token: TOKEN, verdict, keyring_seq: 3, revocations_age_ms: verdict.revocations_issued_at_ms === null ? null : ageMs };
}

function render(fake: FakeBackend) {
  setBackend(fake);
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(VerifyCredential, { target });
  flushSync();
  return target;
}

function typeToken(target: HTMLElement, text: string) {
  const area = q(target, 'verify-text') as HTMLTextAreaElement;
  area.value = text;
  area.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

/** Presses the photo button (which opens the hidden camera input), then gives the input `file`
 *  as the WebView does. Answers the input opened. */
function takePhoto(target: HTMLElement, file: File): HTMLInputElement {
  const opened: HTMLInputElement[] = [];
  const spy = vi.spyOn(HTMLInputElement.prototype, 'click').mockImplementation(function (this: HTMLInputElement) {
    opened.push(this);
  });
  q(target, 'verify-photo')!.click();
  spy.mockRestore();
  expect(opened).toHaveLength(1);
  Object.defineProperty(opened[0], 'files', { value: [file], configurable: true });
  opened[0].dispatchEvent(new Event('change', { bubbles: true }));
  return opened[0];
}

describe('VerifyCredential', () => {
  it('sends the typed token as text (trimmed) and shows the verdict large', async () => {
    const calls: VerifyCredentialArgs[] = [];
    const fake = new FakeBackend({ verify_credential: (a) => (calls.push(a), checkOf(verdictOf('valid'))) });
    const target = render(fake);
    const submit = q(target, 'verify-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    typeToken(target, `  ${TOKEN}\n`);
    expect(submit.disabled).toBe(false);
    submit.click();
    await settle();
    expect(calls).toEqual([{ text: TOKEN, image_base64: null }]);

    const result = q(target, 'verify-result')!;
    const status = q(result, 'credential-verdict-status')!;
    expect(q(result, 'credential-verdict')!.dataset.status).toBe('valid');
    expect(status.dataset.tone).toBe('ok');
    expect(status.textContent).toContain('中心签名有效');
    const claims = q(result, 'credential-verdict-claims')!;
    expect(claims.textContent).toContain('张伟');
    expect(claims.textContent).toContain('32050019001');
    expect(claims.textContent).toContain('中华人民共和国行政执法证');
    expect(claims.textContent).toContain('苏州市生态环境局');
    expect(claims.textContent).toContain('2024-01-01 至 2028-12-31');
    expect(claims.textContent).toContain('2026-01-05 10:00:00');
    expect(q(result, 'credential-verdict-kid')!.textContent).toContain(KID);
    // The age as the core measured it (3 hours), not this machine's clock against the list.
    const list = q(result, 'credential-verdict-revocations')!;
    expect(list.dataset.tone).toBe('info');
    expect(list.textContent).toContain('吊销清单（第 12 号）更新于 2026-11-23 09:00:00（3 小时前）');
    expect(q(result, 'verify-keyring')!.textContent).toContain('本机中心公钥版本 3');
    expect(q(result, 'verify-from-photo')).toBeNull();
    expect(q(result, 'verify-token')!.textContent).toBe(TOKEN);
    expect(q(target, 'error-banner')).toBeNull();
  });

  it('brings the verdict into view (below the inputs, off screen on a phone)', async () => {
    const scrolled: Element[] = [];
    Element.prototype.scrollIntoView = function (this: Element) {
      scrolled.push(this);
    };
    try {
      const target = render(new FakeBackend({ verify_credential: () => checkOf(verdictOf('valid')) }));
      typeToken(target, TOKEN);
      q(target, 'verify-submit')!.click();
      await settle();
      expect(scrolled).toEqual([q(target, 'verify-result')]);
    } finally {
      delete (Element.prototype as { scrollIntoView?: unknown }).scrollIntoView;
    }
  });

  it('sends a chosen picture as image_base64 and says the code came from it', async () => {
    const calls: VerifyCredentialArgs[] = [];
    const fake = new FakeBackend({ verify_credential: (a) => (calls.push(a), checkOf(verdictOf('revoked'))) });
    const target = render(fake);
    const input = takePhoto(target, new File(['PNGDATA'], 'IMG_0042.png', { type: 'image/png' }));
    expect(input.dataset.testid).toBe('verify-photo-input');
    expect(input.getAttribute('accept')).toBe('image/*');
    expect(input.getAttribute('capture')).toBe('environment');
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    await settle();
    expect(calls[0]).toEqual({ text: null, image_base64: btoa('PNGDATA') });

    const result = q(target, 'verify-result')!;
    expect(q(result, 'credential-verdict-status')!.dataset.tone).toBe('bad');
    expect(q(result, 'credential-verdict-status')!.textContent).toContain('已吊销');
    expect(q(result, 'credential-verdict-revoked')!.textContent).toBe('吊销日期：2026-11-23；原因：调离执法岗位');
    // Whose credential it was still shows.
    expect(q(result, 'credential-verdict-claims')!.textContent).toContain('张伟');
    expect(q(result, 'verify-from-photo')!.textContent).toContain('IMG_0042.png');
  });

  it('shows the core\'s refusal in the banner (no code in the picture)', async () => {
    const fake = new FakeBackend({
      verify_credential: () => {
        throw refusal('credential.no_qr', '图片中没有找到二维码：请让二维码平整并占满画面后重拍', 'no QR code was found in the picture');
      },
    });
    const target = render(fake);
    takePhoto(target, new File(['JPEG'], 'blurry.jpg', { type: 'image/jpeg' }));
    await vi.waitFor(() => expect(q(target, 'error-banner')).not.toBeNull());
    const banner = q(target, 'error-banner')!;
    expect(banner.dataset.code).toBe('credential.no_qr');
    expect(banner.textContent).toContain('图片中没有找到二维码');
    expect(q(target, 'verify-result')).toBeNull();
  });

  it('shows the refusal when the device holds no center keys', async () => {
    const fake = new FakeBackend({
      verify_credential: () => {
        throw refusal('credential.no_keys', '本机还没有执法中心的公钥，无法验证：请先与中心同步', 'no center keys');
      },
    });
    const target = render(fake);
    typeToken(target, TOKEN);
    q(target, 'verify-submit')!.click();
    await settle();
    expect(q(target, 'error-banner')!.dataset.code).toBe('credential.no_keys');
    expect(q(target, 'error-banner')!.textContent).toContain('请先与中心同步');
  });

  it('warns that revocation was not checked when the device has no list', async () => {
    const fake = new FakeBackend({ verify_credential: () => checkOf(verdictOf('valid', OFFICERS.li, false)) });
    const target = render(fake);
    typeToken(target, TOKEN);
    q(target, 'verify-submit')!.click();
    await settle();
    const list = q(target, 'credential-verdict-revocations')!;
    expect(list.dataset.tone).toBe('warn');
    expect(list.textContent).toContain('没有吊销清单：未核对此证件是否已被吊销');
  });

  it('shows a forged code without its claims, and starts over', async () => {
    const fake = new FakeBackend({ verify_credential: () => checkOf(verdictOf('bad_signature')) });
    const target = render(fake);
    typeToken(target, TOKEN);
    q(target, 'verify-submit')!.click();
    await settle();
    expect(q(target, 'credential-verdict-status')!.textContent).toContain('签名无效/伪造');
    expect(q(target, 'credential-verdict-claims')).toBeNull();
    expect(q(target, 'credential-verdict-no-claims')).not.toBeNull();
    q(target, 'verify-again')!.click();
    flushSync();
    expect(q(target, 'verify-result')).toBeNull();
    expect((q(target, 'verify-text') as HTMLTextAreaElement).value).toBe('');
  });

  it('refuses a picture over the core\'s limit without reading it', async () => {
    const fake = new FakeBackend({});
    const target = render(fake);
    const big = new File(['x'], 'huge.jpg', { type: 'image/jpeg' });
    Object.defineProperty(big, 'size', { value: 26 << 20 });
    takePhoto(target, big);
    await settle();
    expect(fake.calls).toEqual([]);
    expect(q(target, 'error-banner')!.dataset.code).toBe('credential.picture');
    expect(q(target, 'error-banner')!.textContent).toContain('图片过大（超过 25 MB）');
  });
});
