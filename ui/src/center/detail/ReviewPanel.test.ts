// @vitest-environment jsdom
// The review panel mounted for real (Svelte 5 in jsdom): which buttons each state offers, the
// note rule for returning a case, and a refusal shown in the panel in the chosen language.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import { ApiError } from '../../lib/api/error';
import type { CaseListItem, Review } from '../../lib/api/types';
import ReviewPanel from './ReviewPanel.svelte';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  setLocale('zh-CN');
});

function render(review: Review | null, submit = vi.fn<(to: string, note: string) => Promise<CaseListItem>>(), onchanged = vi.fn()) {
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(ReviewPanel, { target, props: { review, submit, onchanged } });
  flushSync();
  return { target, submit, onchanged };
}

const review = (state: string, note: string | null = null): Review => ({ state, note, by: 'center:U-CLERK', at_ms: 1795511044228 });
const buttons = (el: HTMLElement) =>
  [...el.querySelectorAll<HTMLButtonElement>('button[data-action]')].map((b) => [b.dataset.action, b.textContent?.trim(), b.disabled]);

function type(el: HTMLElement, text: string) {
  const area = el.querySelector<HTMLTextAreaElement>('textarea[data-testid="review-note"]')!;
  area.value = text;
  area.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  flushSync();
};

describe('ReviewPanel', () => {
  it('offers "start review" on a received case', () => {
    const { target } = render(review('received'));
    expect(buttons(target)).toEqual([['under_review', '开始审查', false]]);
  });

  it('offers accept and return under review; return waits for a note', () => {
    const { target } = render(review('under_review'));
    expect(buttons(target)).toEqual([
      ['accepted', '通过', false],
      ['returned', '退回', true],
    ]);
    expect(target.querySelector('[data-testid="review-note-hint"]')?.textContent).toBe('退回须填写审查意见。');
    type(target, '缺少危废间照片');
    expect(buttons(target)[1]).toEqual(['returned', '退回', false]);
    expect(target.querySelector('[data-testid="review-note-hint"]')).toBeNull();
  });

  it('offers "review again" on a returned case and nothing on an accepted one', () => {
    let r = render(review('returned', '补充照片'));
    expect(buttons(r.target)).toEqual([['under_review', '重新审查', false]]);
    expect(r.target.textContent).toContain('补充照片');
    unmount(mounted!);
    mounted = null;
    r = render(review('accepted'));
    expect(buttons(r.target)).toEqual([]);
    expect(r.target.textContent).toContain('案件已通过审查，无需进一步操作。');
  });

  it('sends the move with the trimmed note and says it is done', async () => {
    const submit = vi.fn(async () => ({ review: { state: 'returned' } }) as CaseListItem);
    const { target, onchanged } = render(review('under_review'), submit);
    type(target, '  缺少采样照片  ');
    target.querySelector<HTMLButtonElement>('button[data-action="returned"]')!.click();
    await settle();
    expect(submit).toHaveBeenCalledWith('returned', '缺少采样照片');
    expect(onchanged).toHaveBeenCalledTimes(1);
    expect(target.textContent).toContain('审查状态已更新为“已退回”。');
  });

  it('shows a refusal in the panel in the chosen language, then reloads the case', async () => {
    const refusal = new ApiError(409, 'review.bad_transition', '审查状态已变化，请刷新', 'the review state has changed; refresh');
    const submit = vi.fn(async () => {
      throw refusal;
    });
    const { target, onchanged } = render(review('received'), submit);
    target.querySelector<HTMLButtonElement>('button[data-action="under_review"]')!.click();
    await settle();
    const banner = target.querySelector('[data-testid="error-banner"]');
    expect(banner?.textContent).toContain('审查状态已变化，请刷新');
    expect(banner?.getAttribute('data-code')).toBe('review.bad_transition');
    expect(onchanged).toHaveBeenCalledTimes(1);

    setLocale('en');
    flushSync();
    expect(target.querySelector('[data-testid="error-banner"]')?.textContent).toContain('the review state has changed; refresh');
    expect(buttons(target)).toEqual([['under_review', 'Start review', false]]);
  });

  it('lists the review history newest first, keeping the note of a return', () => {
    const target = document.createElement('div');
    document.body.appendChild(target);
    mounted = mount(ReviewPanel, {
      target,
      props: {
        review: review('under_review'),
        history: [review('under_review'), review('returned', '缺少采样照片'), review('under_review')],
        submit: vi.fn(),
      },
    });
    flushSync();
    const items = [...target.querySelectorAll('[data-testid="review-history"] li')].map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(items).toHaveLength(3);
    expect(items[1]).toContain('已退回');
    expect(items[1]).toContain('缺少采样照片');
    expect(items[1]).toContain('中心：U-CLERK');
  });

  it('treats a case without review (older server) as received and says so', () => {
    const { target } = render(null);
    expect(buttons(target)).toEqual([['under_review', '开始审查', false]]);
    expect(target.textContent).toContain('服务器未提供审查状态');
  });
});
