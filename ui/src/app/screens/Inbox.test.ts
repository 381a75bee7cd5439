// @vitest-environment jsdom
// The inbox mounted for real: rows with source words, due/overdue, distance and the risk badge;
// the fix sent as `here`; opening a task and the V-17 justification retry; navigation by hash.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setBackend } from '../api/backend';
import type { CaseScreen } from '../api/bindings/CaseScreen';
import type { InboxItem } from '../api/bindings/InboxItem';
import type { LiveSync } from '../api/bindings/LiveSync';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import Inbox from './Inbox.svelte';

let mounted: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  location.hash = '#/inbox';
});

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.fix = null;
  app.live = null;
});

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

function item(over: Partial<InboxItem>): InboxItem {
  return {
    task_id: 'T-1',
    source: 'random_draw',
    due: '2026-12-01',
    overdue: false,
    days_left: 3,
    enterprise_id: 'E-01',
    enterprise_name: '苏州澄练印染有限公司',
    risk: 'red',
    distance_m: 850,
    case_id: null,
    case_status: null,
    case_sync: null,
    ...over,
  };
}

const items: InboxItem[] = [
  item({}),
  item({
    task_id: 'T-2',
    source: 'complaint',
    due: '2026-11-20',
    overdue: true,
    days_left: -4,
    enterprise_id: 'E-02',
    enterprise_name: '吴江金属表面处理厂',
    risk: 'yellow',
    distance_m: 12_345,
    case_id: 'C-2',
    case_status: 'open',
    case_sync: { case_id: 'C-2', links_pending: 2, blobs_pending: 1, rejected: 0 },
  }),
  item({
    task_id: 'T-3',
    source: 'night_watch',
    risk: 'green',
    distance_m: null,
    case_id: 'C-3',
    case_status: 'closed',
    case_sync: { case_id: 'C-3', links_pending: 0, blobs_pending: 0, rejected: 0 },
  }),
];

async function render(fake: FakeBackend) {
  setBackend(fake);
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(Inbox, { target });
  await settle();
  return target;
}

const row = (el: HTMLElement, id: string) => el.querySelector<HTMLElement>(`[data-testid="task-${id}"]`)!;
const text = (el: HTMLElement, sel: string) => el.querySelector(`[data-testid="${sel}"]`)?.textContent?.replace(/\s+/g, ' ').trim();

describe('Inbox', () => {
  it('renders each task with source, due, distance, risk, status and case sync', async () => {
    app.fix = { lat: 31.3, lon: 120.6, accuracy_m: 8, source: 'gnss', fix_time: null };
    const fake = new FakeBackend({ inbox: () => items });
    const el = await render(fake);
    expect(fake.calls).toEqual([{ name: 'inbox', args: { here: { lat: 31.3, lon: 120.6 } } }]);

    const first = row(el, 'T-1');
    expect(first.textContent).toContain('苏州澄练印染有限公司');
    expect(text(first, 'task-source')).toBe('双随机抽查');
    expect(text(first, 'task-due')).toContain('2026-12-01（还剩 3 天）');
    expect(text(first, 'task-distance')).toContain('850 米');
    expect(first.querySelector('[data-testid="risk-badge"]')!.getAttribute('data-risk')).toBe('red');
    expect(text(first, 'risk-badge')).toContain('红');
    expect(text(first, 'task-status')).toBe('未开始');
    expect(first.querySelector('[data-testid="task-sync"]')).toBeNull();
    expect(text(first, 'task-open-T-1')).toBe('开始检查');

    const late = row(el, 'T-2');
    expect(late.getAttribute('data-overdue')).toBe('true');
    expect(text(late, 'task-source')).toBe('信访投诉');
    expect(text(late, 'task-due')).toContain('逾期 4 天');
    expect(late.querySelector('[data-testid="task-due"]')!.classList.contains('late')).toBe(true);
    expect(text(late, 'task-distance')).toContain('12.3 公里');
    expect(text(late, 'risk-badge')).toContain('黄');
    expect(text(late, 'task-status')).toBe('进行中');
    expect(text(late, 'task-sync')).toBe('3 项待发送');
    expect(text(late, 'task-open-T-2')).toBe('继续检查');

    const done = row(el, 'T-3');
    expect(text(done, 'task-source')).toBe('night_watch');
    expect(text(done, 'task-distance')).toContain('—');
    expect(text(done, 'risk-badge')).toContain('绿');
    expect(text(done, 'task-status')).toBe('已结束');
    expect(text(done, 'task-sync')).toBe('已全部送达中心');
  });

  it('asks for no distance without a fix and re-reads after a successful sync', async () => {
    const fake = new FakeBackend({ inbox: () => [] });
    const el = await render(fake);
    expect(fake.calls).toEqual([{ name: 'inbox', args: { here: null } }]);
    expect(el.querySelector('[data-testid="inbox-empty"]')).not.toBeNull();
    fake.on('inbox', () => items);
    app.live = { last_success_ms: 1795511044228 } as LiveSync;
    await settle();
    expect(fake.calls.filter((c) => c.name === 'inbox')).toHaveLength(2);
    expect(row(el, 'T-1')).not.toBeNull();
  });

  it('says an empty inbox is empty and offers to sync', async () => {
    const fake = new FakeBackend({ inbox: () => [], sync_now: () => ({ last_success_ms: null }) as LiveSync });
    const el = await render(fake);
    expect(text(el, 'inbox-empty')).toContain('本设备上还没有任务');
    el.querySelector<HTMLButtonElement>('[data-testid="inbox-sync-now"]')!.click();
    await settle();
    expect(fake.calls.map((c) => c.name)).toContain('sync_now');
  });

  it('opens a task and goes to its case', async () => {
    const fake = new FakeBackend({
      inbox: () => items,
      open_task: () => ({ case: { id: 'C-NEW' } }) as CaseScreen,
    });
    const el = await render(fake);
    el.querySelector<HTMLButtonElement>('[data-testid="task-open-T-1"]')!.click();
    await settle();
    expect(fake.calls.at(-1)).toEqual({ name: 'open_task', args: { task_id: 'T-1', covert: false, justification: null } });
    expect(location.hash).toBe('#/case/C-NEW');
  });

  it('goes to the enterprise file', async () => {
    const el = await render(new FakeBackend({ inbox: () => items }));
    el.querySelector<HTMLButtonElement>('[data-testid="task-file-T-2"]')!.click();
    expect(location.hash).toBe('#/enterprise/E-02');
  });

  it('shows a V-18 refusal on its row', async () => {
    const fake = new FakeBackend({
      inbox: () => items,
      open_task: () => {
        throw refusal('V-18', '与该企业存在利害关系，应当回避', 'conflict of interest with this enterprise');
      },
    });
    const el = await render(fake);
    el.querySelector<HTMLButtonElement>('[data-testid="task-open-T-2"]')!.click();
    await settle();
    const banner = row(el, 'T-2').querySelector('[data-testid="error-banner"]')!;
    expect(banner.getAttribute('data-code')).toBe('V-18');
    expect(banner.textContent).toContain('应当回避');
    expect(row(el, 'T-1').querySelector('[data-testid="error-banner"]')).toBeNull();
    expect(el.querySelector('[data-testid="task-justification-T-2"]')).toBeNull();
    expect(location.hash).toBe('#/inbox');
  });

  it('asks for a justification on V-17 and retries with it', async () => {
    let calls = 0;
    const fake = new FakeBackend({
      inbox: () => items,
      open_task: (args) => {
        calls++;
        if (!args.justification) {
          throw refusal('V-17', '今年已被检查3次，达到年度检查频次上限3次', 'annual cap of 3 reached');
        }
        return { case: { id: 'C-CAP' } } as CaseScreen;
      },
    });
    const el = await render(fake);
    el.querySelector<HTMLButtonElement>('[data-testid="task-open-T-1"]')!.click();
    await settle();
    const r = row(el, 'T-1');
    expect(r.querySelector('[data-testid="error-banner"]')!.textContent).toContain('年度检查频次上限');
    const why = r.querySelector<HTMLTextAreaElement>('[data-testid="task-justification-T-1"]')!;
    expect(why).not.toBeNull();

    // An empty reason is refused here, beside the button, without a call.
    r.querySelector<HTMLButtonElement>('[data-testid="task-open-justified-T-1"]')!.click();
    await settle();
    expect(calls).toBe(1);
    expect(r.querySelector('[data-testid="error-banner"]')!.textContent).toContain('请填写理由');

    why.value = '群众再次投诉夜间偷排';
    why.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    r.querySelector<HTMLButtonElement>('[data-testid="task-open-justified-T-1"]')!.click();
    await settle();
    expect(fake.calls.at(-1)).toEqual({
      name: 'open_task',
      args: { task_id: 'T-1', covert: false, justification: '群众再次投诉夜间偷排' },
    });
    expect(location.hash).toBe('#/case/C-CAP');
  });

  it('shows a failure to read the inbox', async () => {
    const el = await render(
      new FakeBackend({
        inbox: () => {
          throw refusal('auth.signed_out', '请先登录', 'sign in first');
        },
      }),
    );
    expect(el.querySelector('[data-testid="error-banner"]')!.getAttribute('data-code')).toBe('auth.signed_out');
  });
});
