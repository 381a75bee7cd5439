// @vitest-environment jsdom
// 亮证 mounted for real: the team with their credentials and the two-officer rule, the full-screen
// card with its QR code drawn module by module, and the exact show_credential command.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setBackend } from '../api/backend';
import type { CaseScreen } from '../api/bindings/CaseScreen';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import Credentials from './Credentials.svelte';
import { CASE_ID, OFFICERS, QR_ROWS, cardOf, freshScreen, signedIn, stepStatuses } from './fixtures';

let mounted: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  app.state = signedIn('O-ZHANG');
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

function screenAt(shown: string[]): CaseScreen {
  const s = freshScreen();
  s.steps = stepStatuses(['checkin']);
  s.team = s.team.map((m) => ({ ...m, shown: shown.includes(m.officer.id) }));
  return s;
}

function render(screen: CaseScreen) {
  const onscreen = vi.fn<(s: CaseScreen) => void>();
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(Credentials, { target, props: { screen, onscreen } });
  flushSync();
  return { target, onscreen };
}

const q = (el: ParentNode, testid: string) => el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);

/** The dark modules a QR path draws: the sum of its runs' widths (`M x y h w v1 h-w z`). */
function darkModules(svg: Element): number {
  const d = svg.querySelector('path.dark')?.getAttribute('d') ?? '';
  return [...d.matchAll(/h(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('Credentials', () => {
  it('lists the team with credential, validity and the two-officer rule', () => {
    const { target } = render(screenAt([]));
    expect(q(target, 'credentials-rule')!.textContent).toContain('须至少 2 名执法人员出示执法证件，目前已亮证 0 人。');
    const zhang = q(target, 'officer-O-ZHANG')!;
    expect(zhang.textContent).toContain('张伟');
    expect(zhang.textContent).toContain('32050019001');
    expect(zhang.textContent).toContain('中华人民共和国行政执法证');
    expect(zhang.textContent).toContain('苏州市生态环境局');
    expect(zhang.textContent).toContain('2024-01-01 至 2028-12-31');
    expect(zhang.textContent).toContain('证件有效');
    expect(zhang.textContent).toContain('未亮证');
  });

  it('opens the card full screen with a QR code drawing every dark module, and closes it', async () => {
    const fake = new FakeBackend({ credential_card: () => cardOf(OFFICERS.li) });
    setBackend(fake);
    const { target } = render(screenAt([]));
    q(target, 'credential-show-O-LI')!.click();
    await settle();
    expect(fake.calls).toEqual([{ name: 'credential_card', args: { case_id: CASE_ID, officer_id: 'O-LI' } }]);
    const overlay = q(document.body, 'credential-overlay')!;
    expect(q(overlay, 'credential-card-name')!.textContent).toBe('李娜');
    expect(q(overlay, 'credential-card-number')!.textContent).toBe('32050019002');
    const svg = q(overlay, 'credential-qr')!;
    expect(svg.getAttribute('shape-rendering')).toBe('crispEdges');
    expect(svg.getAttribute('viewBox')).toBe('0 0 15 15');
    expect(svg.getAttribute('data-modules')).toBe('7');
    const dark = QR_ROWS.join('').split('').filter((c) => c === '1').length;
    expect(darkModules(svg)).toBe(dark);
    // One path of runs, not an element per module; the first run starts inside the quiet zone.
    expect(svg.querySelectorAll('path.dark').length).toBe(1);
    expect(svg.querySelector('path.dark')!.getAttribute('d')!.startsWith('M4 4h3v1h-3z')).toBe(true);
    expect(svg.querySelectorAll('rect.light').length).toBe(1);
    q(overlay, 'credential-close')!.click();
    flushSync();
    expect(q(document.body, 'credential-overlay')).toBeNull();
  });

  it('shows a refused card beside its button', async () => {
    setBackend(new FakeBackend({ credential_card: () => { throw refusal('V-01', '李娜 没有行政执法证，不能亮证', 'no credential'); } }));
    const { target } = render(screenAt([]));
    q(target, 'credential-show-O-LI')!.click();
    await settle();
    expect(q(q(target, 'officer-O-LI')!, 'error-banner')!.textContent).toContain('没有行政执法证');
    expect(q(q(target, 'officer-O-ZHANG')!, 'error-banner')).toBeNull();
    expect(q(document.body, 'credential-overlay')).toBeNull();
  });

  it('shows a revoked credential\'s refusal (V-02) full screen, where the card would have been', async () => {
    const zh = '李娜 的执法证 32050019002 已于 2026-11-23 被吊销（调离执法岗位），不能亮证。请由持有效证件的执法人员亮证。';
    const en = "李娜's credential 32050019002 was revoked on 2026-11-23 (调离执法岗位) and cannot be shown.";
    setBackend(new FakeBackend({ credential_card: () => { throw refusal('V-02', zh, en); } }));
    const { target } = render(screenAt([]));
    q(target, 'credential-show-O-LI')!.click();
    await settle();
    const overlay = q(document.body, 'credential-overlay')!;
    expect(overlay.classList.contains('refused')).toBe(true);
    const banner = q(q(overlay, 'credential-refusal')!, 'error-banner')!;
    expect(banner.dataset.code).toBe('V-02');
    expect(banner.textContent).toContain('已于 2026-11-23 被吊销');
    expect(q(overlay, 'credential-refusal')!.textContent).toContain('不能出示此证件');
    expect(q(overlay, 'credential-card-name')!.textContent).toBe('李娜');
    expect(q(overlay, 'credential-verdict-badge')!.textContent).toContain('已吊销');
    expect(q(overlay, 'credential-qr')).toBeNull();
    expect(q(overlay, 'credential-no-token')).toBeNull();
    q(overlay, 'credential-close')!.click();
    flushSync();
    expect(q(document.body, 'credential-overlay')).toBeNull();
    // Still there beside the button after the overlay is closed.
    expect(q(q(target, 'officer-O-LI')!, 'error-banner')!.dataset.code).toBe('V-02');
  });

  it('records a showing and marks who has shown', async () => {
    const after = screenAt(['O-ZHANG']);
    after.case.credentials = [{ officer_id: 'O-ZHANG', name: '张伟', credential_number: '32050019001', at: '2026-11-23T09:02:00+08:00', evidence_id: null }];
    const fake = new FakeBackend({
      step: () => ({ outcome: { case_id: CASE_ID, op_id: 'op-3', seq: 3, kind: 'credential_shown', created: null, flags: [] }, screen: after }),
    });
    setBackend(fake);
    const { target, onscreen } = render(screenAt([]));
    q(target, 'credential-record-O-ZHANG')!.click();
    await settle();
    expect(fake.calls[0].args).toEqual({ command: { step: 'show_credential', case_id: CASE_ID, officer_id: 'O-ZHANG', evidence_id: null } });
    expect(onscreen).toHaveBeenCalledWith(after);

    unmount(mounted!);
    document.body.innerHTML = '';
    const again = render(after);
    const zhang = q(again.target, 'officer-O-ZHANG')!;
    expect(zhang.dataset.shown).toBe('true');
    expect(zhang.textContent).toContain('已亮证 2026-11-23 09:02:00');
    expect(q(zhang, 'credential-record-O-ZHANG')).toBeNull();
    expect(q(again.target, 'credentials-rule')!.textContent).toContain('目前已亮证 1 人');
  });
});
