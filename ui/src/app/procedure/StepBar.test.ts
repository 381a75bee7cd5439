// @vitest-environment jsdom
// The step bar mounted for real: each entry's state in words and icon, the blocked reason under
// the bar for the selected step and as the hover title, and navigation by the route hash.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import type { StepStatus } from '../api/bindings/StepStatus';
import StepBar from './StepBar.svelte';
import { CASE_ID, stepStatuses } from './fixtures';

let mounted: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  location.hash = `#/case/${CASE_ID}`;
});

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  setLocale('zh-CN');
});

function render(steps: StepStatus[], currentId: string | null) {
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(StepBar, { target, props: { caseId: CASE_ID, steps, currentId } });
  flushSync();
  return target;
}

const entry = (el: HTMLElement, id: string) => el.querySelector<HTMLButtonElement>(`[data-testid="step-${id}"]`)!;

describe('StepBar', () => {
  it('draws every step with its state in words and by icon', () => {
    const el = render(stepStatuses(['checkin']), 'credentials');
    expect(el.querySelectorAll('[data-testid^="step-"][data-step]').length).toBe(11);
    const checkin = entry(el, 'checkin');
    expect(checkin.dataset.state).toBe('done');
    expect(checkin.textContent).toContain('✓');
    expect(checkin.textContent).toContain('1. 定位签到');
    expect(checkin.textContent).toContain('已完成');
    const cred = entry(el, 'credentials');
    expect(cred.getAttribute('aria-current')).toBe('step');
    expect(cred.textContent).toContain('当前');
    expect(cred.textContent).toContain('可进行');
    const notice = entry(el, 'notice');
    expect(notice.dataset.state).toBe('blocked');
    expect(notice.textContent).toContain('⊘');
    expect(notice.textContent).toContain('待前序步骤');
    expect(el.querySelector('[data-testid="step-optional-interview"]')?.textContent).toBe('可选');
    expect(el.querySelector('[data-testid="step-optional-checklist"]')).toBeNull();
  });

  it('shows the reason a selected step is blocked, and gives it as the title of every blocked entry', () => {
    const el = render(stepStatuses(['checkin']), 'notice');
    const reason = el.querySelector('[data-testid="step-blocked-reason"]');
    expect(reason?.textContent).toContain('「告知与回避」需先完成：亮证');
    expect(entry(el, 'notice').title).toBe('「告知与回避」需先完成：亮证');
    expect(entry(el, 'checkin').title).toBe('');
  });

  it('shows no reason when the selected step may start, and the English words in English', () => {
    setLocale('en');
    const el = render(stepStatuses(['checkin']), 'credentials');
    expect(el.querySelector('[data-testid="step-blocked-reason"]')).toBeNull();
    expect(entry(el, 'checklist').title).toBe('“Inspection checklist” needs these steps first: Rights notice and recusal');
    expect(entry(el, 'checkin').textContent).toContain('Location check-in');
    expect(entry(el, 'checkin').textContent).toContain('Done');
  });

  it('navigates to a step by the route hash, blocked ones included', () => {
    const el = render(stepStatuses(['checkin']), 'credentials');
    entry(el, 'checklist').click();
    expect(location.hash).toBe(`#/case/${CASE_ID}/checklist`);
    entry(el, 'checkin').click();
    expect(location.hash).toBe(`#/case/${CASE_ID}/checkin`);
  });
});
