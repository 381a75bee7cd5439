// @vitest-environment jsdom
// The case frame mounted for real: the header (enterprise, task, status, sync, a returned review in
// large type), the not-on-team notice, which step screen opens, and staying on a step after it is
// committed with a "next step" button.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setBackend } from '../api/backend';
import type { CaseScreen } from '../api/bindings/CaseScreen';
import type { LiveSync } from '../api/bindings/LiveSync';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import CaseView from './CaseView.svelte';
import { CASE_ID, fixtureText, freshScreen, inspectingScreen, signedIn, stepStatuses } from './fixtures';

let mounted: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  app.state = signedIn('O-ZHANG');
  location.hash = `#/case/${CASE_ID}`;
});

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.state = null;
  app.fix = null;
  app.live = null;
});

/** The sync state after a successful run at `at_ms`. */
function synced(at_ms: number): LiveSync {
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
    },
    schedule: { state: 'waiting', at_ms: 0, after_failures: 0 },
    online: true,
    running: null,
    last_error: null,
    last_success_ms: at_ms,
  };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

async function render(screen: CaseScreen | Error, step: string | null = null) {
  const fake = new FakeBackend({
    case_screen: () => {
      if (screen instanceof Error) throw screen;
      return screen;
    },
  });
  setBackend(fake);
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(CaseView, { target, props: { caseId: CASE_ID, step } });
  await settle();
  return { target, fake };
}

const q = (el: ParentNode, testid: string) => el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);

describe('CaseView', () => {
  it('loads the case and shows its header, the step bar and the first step to do', async () => {
    const { target, fake } = await render(freshScreen());
    expect(fake.calls[0]).toEqual({ name: 'case_screen', args: { case_id: CASE_ID } });
    expect(q(target, 'case-enterprise')!.textContent).toBe(fixtureText.ent_name);
    expect(q(target, 'case-task')!.textContent).toBe('任务 T-2026-1123-01');
    expect(q(target, 'case-status')!.textContent?.trim()).toBe('进行中');
    expect(q(target, 'case-sync')!.textContent).toContain('待上传：1 项记录、0 个文件');
    expect(q(target, 'step-checkin')!.getAttribute('aria-current')).toBe('step');
    expect(q(target, 'step-screen')!.dataset.kind).toBe('checkin');
    expect(q(target, 'checkin')).not.toBeNull();
    expect(q(target, 'case-not-on-team')).toBeNull();
  });

  it('opens the step the route names', async () => {
    const { target } = await render(inspectingScreen(), 'checklist');
    expect(q(target, 'step-screen')!.dataset.kind).toBe('checklist');
    expect(q(target, 'item-CM-02')).not.toBeNull();
  });

  it('puts a returned review and its note in front of the officer', async () => {
    const s = inspectingScreen();
    s.review = { state: 'returned', note: fixtureText.returned_note, by: 'center:U-CLERK', at_ms: 1795600000000 };
    const { target } = await render(s);
    const box = q(target, 'case-review-returned')!;
    expect(box.getAttribute('role')).toBe('alert');
    expect(box.textContent).toContain('中心已退回本案件');
    expect(q(box, 'case-review-note')!.textContent).toBe(fixtureText.returned_note);
  });

  it('says when the signed-in officer is not on the team', async () => {
    const s = freshScreen();
    s.on_team = false;
    const { target } = await render(s);
    expect(q(target, 'case-not-on-team')!.textContent).toContain('您不在本案件的检查组中');
  });

  it('stays on a committed step to show what was recorded, and offers the next one', async () => {
    const after = freshScreen();
    after.case.checkin = inspectingScreen().case.checkin;
    after.steps = stepStatuses(['checkin']);
    const { target, fake } = await render(freshScreen());
    fake.on('step', () => ({ outcome: { case_id: CASE_ID, op_id: 'op', seq: 2, kind: 'checked_in', created: null, flags: [] }, screen: after }));
    fake.on('checkin_preview', () => ({ distance_m: 18, inside: true, radius_m: 300, accuracy_m: 8, has_boundary: true }));
    for (const [id, v] of [['checkin-lat', '31.2557'], ['checkin-lon', '120.605'], ['checkin-accuracy', '8']]) {
      const f = q(target, id) as HTMLInputElement;
      f.value = v;
      f.dispatchEvent(new Event('input', { bubbles: true }));
    }
    flushSync();
    q(target, 'checkin-manual')!.click();
    await settle();
    q(target, 'checkin-commit')!.click();
    await settle();
    expect(q(target, 'step-screen')!.dataset.kind).toBe('checkin');
    expect(q(target, 'checkin-recorded')).not.toBeNull();
    const next = q(target, 'case-next-step')!;
    expect(next.textContent).toContain('下一步：亮证');
    next.click();
    expect(location.hash).toBe(`#/case/${CASE_ID}/credentials`);
  });

  it('reads the case again after each sync, so what it says about the center is current', async () => {
    const { target, fake } = await render(freshScreen());
    expect(q(target, 'case-sync')!.textContent).toContain('待上传：1 项记录、0 个文件');
    const sent = freshScreen();
    sent.sync = { ...sent.sync, links_pending: 0 };
    fake.on('case_screen', () => sent);
    app.live = synced(1795600000000);
    await settle();
    expect(fake.calls.filter((c) => c.name === 'case_screen')).toHaveLength(2);
    expect(q(target, 'case-sync')!.textContent).not.toContain('待上传');
  });

  it('never draws a re-read that started before a step was committed over the step', async () => {
    const after = freshScreen();
    after.case.checkin = inspectingScreen().case.checkin;
    after.steps = stepStatuses(['checkin']);
    const { target, fake } = await render(freshScreen());
    // The re-read answers late, with the case as it was before the check-in.
    let answer: (s: CaseScreen) => void = () => {};
    fake.on('case_screen', () => new Promise<CaseScreen>((r) => (answer = r)));
    app.live = synced(1795600000000);
    await settle();
    fake.on('step', () => ({ outcome: { case_id: CASE_ID, op_id: 'op', seq: 2, kind: 'checked_in', created: null, flags: [] }, screen: after }));
    fake.on('checkin_preview', () => ({ distance_m: 18, inside: true, radius_m: 300, accuracy_m: 8, has_boundary: true }));
    for (const [id, v] of [['checkin-lat', '31.2557'], ['checkin-lon', '120.605'], ['checkin-accuracy', '8']]) {
      const f = q(target, id) as HTMLInputElement;
      f.value = v;
      f.dispatchEvent(new Event('input', { bubbles: true }));
    }
    flushSync();
    q(target, 'checkin-manual')!.click();
    await settle();
    q(target, 'checkin-commit')!.click();
    await settle();
    expect(q(target, 'checkin-recorded')).not.toBeNull();
    answer(freshScreen());
    await settle();
    expect(q(target, 'checkin-recorded')).not.toBeNull();
  });

  it('shows a failed load with a retry', async () => {
    const { target, fake } = await render(refusal('input.unknown_case', '找不到案件', 'no such case'));
    expect(q(target, 'error-banner')!.textContent).toContain('找不到案件');
    fake.on('case_screen', () => freshScreen());
    q(target, 'case-retry')!.click();
    await settle();
    expect(q(target, 'case-enterprise')).not.toBeNull();
  });
});
