// @vitest-environment jsdom
// The 亮证 card full screen for every verdict the core can give on its token: the verdict badge
// beside the validity badge (words and tone), a revocation's date in Beijing time and its reason,
// the revocation list's age, no QR code without a token, a warning when this device cannot check
// the code, and the core's V-02 refusal in place of the card.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import type { AppError } from '../api/backend';
import type { CredentialCard } from '../api/bindings/CredentialCard';
import type { Officer } from '../api/bindings/Officer';
import CredentialOverlay from './CredentialOverlay.svelte';
import { OFFICERS, cardOf, verdictOf, type VerdictStatusName } from './fixtures';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  setLocale('zh-CN');
});

function render(props: { card?: CredentialCard | null; officer?: Officer | null; refusal?: AppError | null }) {
  const onclose = vi.fn();
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(CredentialOverlay, { target, props: { ...props, onclose } });
  flushSync();
  return { target, onclose };
}

const q = (el: ParentNode, testid: string) => el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const tone = (el: HTMLElement | null) => el?.querySelector<HTMLElement>('.badge')?.dataset.tone;

const CASES: [VerdictStatusName, string, string, string][] = [
  ['valid', '中心签名有效', 'Valid: signed by the center', 'ok'],
  ['revoked', '已吊销（2026-11-23）', 'Revoked (23 Nov 2026)', 'bad'],
  ['expired', '已过期', 'Expired', 'bad'],
  ['not_yet_valid', '尚未生效', 'Not yet valid', 'warn'],
  ['bad_signature', '签名无效/伪造', 'Invalid signature / forged', 'bad'],
  ['unknown_key', '非中心密钥', 'Not a center key', 'bad'],
  ['retired_key', '密钥已停用', 'Key retired', 'bad'],
  ['malformed', '格式错误', 'Malformed', 'bad'],
];

describe('CredentialOverlay', () => {
  for (const [status, zh, en, expectedTone] of CASES) {
    it(`shows the ${status} verdict beside the validity badge, in both languages`, () => {
      const { target } = render({ card: cardOf(OFFICERS.zhang, { verdict: verdictOf(status) }) });
      const badge = q(target, 'credential-verdict-badge')!;
      expect(badge.dataset.status).toBe(status);
      expect(badge.textContent!.trim()).toContain(zh);
      expect(tone(badge)).toBe(expectedTone);
      expect(q(target, 'credential-valid-badge')!.textContent).toContain('证件有效');
      expect(q(target, 'credential-qr')).not.toBeNull();
      expect(q(target, 'credential-no-token')).toBeNull();
      setLocale('en');
      flushSync();
      expect(q(target, 'credential-verdict-badge')!.textContent!.trim()).toContain(en);
    });
  }

  it('gives a revocation its Beijing date and reason', () => {
    const { target } = render({ card: cardOf(OFFICERS.zhang, { verdict: verdictOf('revoked') }) });
    // Revoked at 16:30 UTC on the 22nd: the 23rd in Beijing.
    expect(q(target, 'credential-revoked-detail')!.textContent).toBe('吊销日期：2026-11-23；原因：调离执法岗位');
  });

  it('says when the revocation list was issued, or that the device has none', () => {
    const { target } = render({ card: cardOf(OFFICERS.zhang) });
    const list = q(target, 'credential-revocations')!;
    expect(list.dataset.known).toBe('true');
    expect(list.textContent).toContain('吊销清单更新于 2026-11-23 09:00:00');
    unmount(mounted!);
    document.body.innerHTML = '';
    const again = render({ card: cardOf(OFFICERS.zhang, { verdict: verdictOf('valid', OFFICERS.zhang, false) }) });
    const none = q(again.target, 'credential-revocations')!;
    expect(none.dataset.known).toBe('false');
    expect(none.textContent).toContain('本机没有吊销清单');
  });

  it('shows no QR code and asks for a sync when the center has not signed the credential', () => {
    const { target } = render({ card: cardOf(OFFICERS.li, { token: false }) });
    expect(q(target, 'credential-qr')).toBeNull();
    expect(q(target, 'credential-verdict-badge')).toBeNull();
    expect(q(target, 'credential-revocations')).toBeNull();
    expect(q(target, 'credential-no-token')!.textContent).toContain('此证件尚未由执法中心签发电子凭证，请同步后再亮证');
    // The card itself is still shown.
    expect(q(target, 'credential-card-name')!.textContent).toBe('李娜');
    expect(q(target, 'credential-valid-badge')).not.toBeNull();
    setLocale('en');
    flushSync();
    expect(q(target, 'credential-no-token')!.textContent).toContain('sync before showing it');
  });

  it('shows the QR code but says the device cannot check it without the center keys', () => {
    const { target } = render({ card: cardOf(OFFICERS.zhang, { verdict: null }) });
    expect(q(target, 'credential-qr')).not.toBeNull();
    expect(q(target, 'credential-verdict-badge')).toBeNull();
    expect(q(target, 'credential-no-verdict')!.textContent).toContain('本机还没有执法中心的公钥');
  });

  it('keeps the validity badge of a card outside its area beside a valid signature', () => {
    const { target } = render({ card: cardOf(OFFICERS.zhang, { valid: false }) });
    expect(tone(q(target, 'credential-valid-badge'))).toBe('bad');
    expect(tone(q(target, 'credential-verdict-badge'))).toBe('ok');
  });

  it('shows the V-02 refusal in place of the card', () => {
    const refusal = { code: 'V-02', zh: '张伟 的执法证 32050019001 已于 2026-11-23 被吊销（调离执法岗位），不能亮证。', en: 'revoked' };
    const { target, onclose } = render({ officer: OFFICERS.zhang, refusal });
    const box = q(target, 'credential-refusal')!;
    expect(box.textContent).toContain('不能出示此证件');
    expect(q(box, 'error-banner')!.dataset.code).toBe('V-02');
    expect(q(box, 'error-banner')!.textContent).toContain('被吊销');
    expect(q(target, 'credential-verdict-badge')!.dataset.status).toBe('revoked');
    expect(q(target, 'credential-card-number')!.textContent).toBe('32050019001');
    expect(q(target, 'credential-qr')).toBeNull();
    expect(q(target, 'credential-valid-badge')).toBeNull();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    expect(onclose).toHaveBeenCalled();
  });
});
