// @vitest-environment jsdom
// The public check page (verify.html) mounted for real against a mocked fetch: the pasted token
// goes to POST /public/verify as {"token"} with no sign-in, the center's verdict shows with the
// shared verdict view, the center's refusal {code, zh, en} shows in the banner, and the center's
// public keys are offered for checking offline.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { OFFICERS, TOKEN, verdictOf } from '../app/procedure/fixtures';
import VerifyPage from './VerifyPage.svelte';

let mounted: ReturnType<typeof mount> | null = null;
let fetchMock: ReturnType<typeof vi.fn>;

beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
});

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

const q = (el: ParentNode, testid: string) => el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);

function answer(status: number, body: unknown): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function render() {
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(VerifyPage, { target });
  flushSync();
  return target;
}

async function check(target: HTMLElement, token: string) {
  const area = q(target, 'verify-token-input') as HTMLTextAreaElement;
  area.value = token;
  area.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
  q(target, 'verify-token-submit')!.click();
  await vi.waitFor(() => expect(fetchMock).toHaveBeenCalled());
  await vi.waitFor(() => {
    flushSync();
    expect((q(target, 'verify-token-submit') as HTMLButtonElement).textContent).not.toContain('正在核验');
  });
}

describe('VerifyPage', () => {
  it('posts the token, anonymously, and shows a valid verdict', async () => {
    fetchMock.mockResolvedValue(answer(200, verdictOf('valid')));
    const target = render();
    expect((q(target, 'verify-token-submit') as HTMLButtonElement).disabled).toBe(true);
    await check(target, `${TOKEN}\n`);

    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('/public/verify');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ token: TOKEN });
    expect(new Headers(init.headers).get('Authorization')).toBeNull();
    expect(new Headers(init.headers).get('Content-Type')).toBe('application/json');

    const result = q(target, 'verify-page-result')!;
    expect(q(result, 'credential-verdict')!.dataset.status).toBe('valid');
    expect(q(result, 'credential-verdict-status')!.textContent).toContain('中心签名有效');
    expect(q(result, 'credential-verdict-claims')!.textContent).toContain('张伟');
    expect(q(result, 'credential-verdict-revocations')!.textContent).toContain('吊销清单（第 12 号）更新于 2026-11-23 09:00:00');
    expect(q(target, 'error-banner')).toBeNull();
  });

  it('shows a revoked verdict with its date and reason', async () => {
    fetchMock.mockResolvedValue(answer(200, verdictOf('revoked', OFFICERS.li)));
    const target = render();
    await check(target, TOKEN);
    const result = q(target, 'verify-page-result')!;
    expect(q(result, 'credential-verdict-status')!.dataset.tone).toBe('bad');
    expect(q(result, 'credential-verdict-status')!.textContent).toContain('已吊销');
    expect(q(result, 'credential-verdict-revoked')!.textContent).toBe('吊销日期：2026-11-23；原因：调离执法岗位');
    expect(q(result, 'credential-verdict-claims')!.textContent).toContain('李娜');
  });

  it('shows the center\'s refusal in the banner', async () => {
    fetchMock.mockResolvedValue(
      answer(400, { code: 'input.json', zh: '请求体不是有效的 JSON', en: 'the body is not valid JSON' }),
    );
    const target = render();
    await check(target, TOKEN);
    const banner = q(target, 'error-banner')!;
    expect(banner.dataset.code).toBe('input.json');
    expect(banner.textContent).toContain('请求体不是有效的 JSON');
    expect(q(target, 'verify-page-result')).toBeNull();
  });

  it('says so when the center cannot be reached or answers something else', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    const target = render();
    await check(target, TOKEN);
    expect(q(target, 'error-banner')!.dataset.code).toBe('client.network');

    fetchMock.mockResolvedValue(answer(200, { ok: true }));
    q(target, 'verify-token-submit')!.click();
    await vi.waitFor(() => {
      flushSync();
      expect(q(target, 'error-banner')!.dataset.code).toBe('client.bad_json');
    });
  });

  it('links the center\'s public keys and revocation list for checking offline', () => {
    const target = render();
    expect(q(target, 'verify-keyring-link')!.getAttribute('href')).toBe('/public/keyring');
    expect(q(target, 'verify-revocations-link')!.getAttribute('href')).toBe('/public/revocations');
    expect(q(target, 'verify-page')!.textContent).toContain('fieldcase credential verify --keyring');
    expect(q(target, 'verify-page')!.textContent).toContain('下载中心公钥');
  });
});
