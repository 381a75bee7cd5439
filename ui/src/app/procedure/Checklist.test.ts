// @vitest-environment jsdom
// The checklist mounted for real on an electroplating case part way through: sections, rows and
// their controls drawn from the core's ChecklistView, the exact `answer` command each control sends,
// a V-10 refusal shown on its row with the finding field opened, and number items — single and
// per parameter — with their unit, limit and the limit's origin.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import { setBackend } from '../api/backend';
import type { CaseScreen } from '../api/bindings/CaseScreen';
import type { Command } from '../api/bindings/Command';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import Checklist from './Checklist.svelte';
import { CASE_ID, fixtureText, inspectingScreen, signedIn } from './fixtures';

let mounted: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  app.state = signedIn('O-ZHANG');
  location.hash = `#/case/${CASE_ID}/checklist`;
});

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.state = null;
  setLocale('zh-CN');
});

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

/** A backend whose `step` answers with `next` (or throws what `refuse` returns). */
function backend(next: CaseScreen, refuse?: (c: Command) => Error | null) {
  const fake = new FakeBackend({
    step: ({ command }) => {
      const err = refuse?.(command);
      if (err) throw err;
      return { outcome: { case_id: CASE_ID, op_id: 'op-9', seq: 9, kind: 'answered', created: null, flags: [] }, screen: next };
    },
  });
  setBackend(fake);
  return fake;
}

function render(screen: CaseScreen = inspectingScreen()) {
  const onscreen = vi.fn<(s: CaseScreen) => void>();
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(Checklist, { target, props: { screen, onscreen } });
  flushSync();
  return { target, onscreen };
}

const q = <T extends Element = HTMLElement>(el: ParentNode, testid: string) => el.querySelector<T & HTMLElement>(`[data-testid="${testid}"]`);
const click = (el: ParentNode, testid: string) => {
  const b = q<HTMLButtonElement>(el, testid);
  if (!b) throw new Error(`no ${testid}`);
  b.click();
  flushSync();
};
const type = (el: ParentNode, testid: string, text: string) => {
  const f = q<HTMLInputElement>(el, testid)!;
  f.value = text;
  f.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
};
const sent = (fake: FakeBackend) => fake.calls.filter((c) => c.name === 'step').map((c) => (c.args as { command: Command }).command);

describe('Checklist', () => {
  it('draws the sections, progress, gaps and a row per item and unit', () => {
    const { target } = render();
    expect(q(target, 'checklist-progress')?.textContent).toBe('已回答 3/11');
    const gaps = q(target, 'checklist-gaps')!;
    expect(gaps.textContent).toContain('检查项 CM-01 未回答');
    expect(gaps.textContent).toContain('检查项 CM-04a 未回答');
    const heads = [...target.querySelectorAll('[data-testid^="section-toggle-"]')].map((b) => b.textContent?.replace(/\s+/g, ' ').trim());
    expect(heads[0]).toContain('环评与验收');
    expect(heads[0]).toContain('1/2');
    expect(heads[3]).toContain('废水监测');
    for (const id of ['CM-01', 'CM-02', 'CM-04a', 'PP-05-DW001', 'PP-05-DW002', 'EP-05', 'EP-07', 'EP-08', 'EP-11', 'EP-12', 'HW-13a']) {
      expect(q(target, `item-${id}`), id).not.toBeNull();
    }
    expect(q(target, 'instance-PP-05-DW002')?.textContent).toBe('对象 DW002');
    expect(q(target, 'item-CM-02')?.textContent).toContain(fixtureText.q['CM-02']);
  });

  it('gives tri items three large buttons with the current answer pressed', () => {
    const { target } = render();
    const row = q(target, 'item-CM-02')!;
    const words = ['compliant', 'non_compliant', 'not_applicable'].map((v) => q(row, `answer-CM-02-${v}`)!.textContent?.trim());
    expect(words).toEqual(['● 合规', '不合规', '不涉及']);
    expect(q(row, 'answer-CM-02-compliant')!.getAttribute('aria-pressed')).toBe('true');
    expect(q(row, 'answer-current-CM-02')!.textContent).toContain('当前答案：合规');
  });

  it('sends the exact answer command for a unit row and draws the screen the core returns', async () => {
    const next = inspectingScreen();
    const fake = backend(next);
    const { target, onscreen } = render();
    click(target, 'answer-PP-05-DW001-compliant');
    await settle();
    expect(sent(fake)).toEqual([
      {
        step: 'answer',
        case_id: CASE_ID,
        by: 'O-ZHANG',
        item_id: 'PP-05',
        instance: 'DW001',
        value: 'compliant',
        note: null,
        finding_text: null,
        evidence: [],
      },
    ]);
    expect(onscreen).toHaveBeenCalledWith(next);
  });

  it('sends choices and documents as the core expects them', async () => {
    const fake = backend(inspectingScreen());
    const { target } = render();
    click(target, `answer-CM-04a-${fixtureText.options_class[0]}`);
    await settle();
    type(target, 'input-CM-01', ' 苏环评〔2019〕12号 ');
    click(target, 'answer-CM-01-present');
    await settle();
    const [choice, doc] = sent(fake) as Extract<Command, { step: 'answer' }>[];
    expect(choice.value).toBe(fixtureText.options_class[0]);
    expect(doc.item_id).toBe('CM-01');
    expect(doc.value).toEqual({ present: true, number: '苏环评〔2019〕12号' });
  });

  it('shows a V-10 refusal on the row, opens the finding field, and resends with the finding and evidence', async () => {
    const fake = backend(inspectingScreen(), (c) =>
      c.step === 'answer' && !c.finding_text ? refusal('V-10', fixtureText.v10_refusal, 'item CM-02 is a violation: write the finding (finding_text) and attach at least one evidence item.') : null,
    );
    const { target, onscreen } = render();
    const row = q(target, 'item-CM-02')!;
    expect(q(row, 'finding-CM-02')).toBeNull();
    click(row, 'answer-CM-02-non_compliant');
    await settle();
    const banner = q(row, 'error-banner')!;
    expect(banner.dataset.code).toBe('V-10');
    expect(banner.textContent).toContain(fixtureText.v10_refusal);
    // Only that row shows it.
    expect(target.querySelectorAll('[data-testid="error-banner"]').length).toBe(1);
    expect(onscreen).not.toHaveBeenCalled();
    expect(q(row, 'finding-CM-02')).not.toBeNull();
    type(row, 'finding-CM-02', '  扩建第二条镀锌线未重新报批环评  ');
    q<HTMLInputElement>(row, 'evidence-CM-02-EV-01')!.click();
    flushSync();
    expect(q(row, 'resubmit-CM-02')!.textContent?.trim()).toBe('重新提交');
    click(row, 'resubmit-CM-02');
    await settle();
    const last = sent(fake).at(-1) as Extract<Command, { step: 'answer' }>;
    expect(last).toEqual({
      step: 'answer',
      case_id: CASE_ID,
      by: 'O-ZHANG',
      item_id: 'CM-02',
      instance: null,
      value: 'non_compliant',
      note: null,
      finding_text: '扩建第二条镀锌线未重新报批环评',
      evidence: ['EV-01'],
    });
    expect(onscreen).toHaveBeenCalledTimes(1);
    expect(q(row, 'error-banner')).toBeNull();
  });

  it('shows a number item with its unit, the limit text and where the limit comes from', () => {
    const { target } = render();
    const ep05 = q(target, 'item-EP-05')!;
    expect(q(ep05, 'num-unit-EP-05')!.textContent).toBe('单位：mg/L');
    const limits = q(ep05, 'num-limits-EP-05')!.textContent!;
    expect(limits).toContain('限值 <= 0.1');
    expect(limits).toContain('特别规定：特别排放限值');
    expect(limits).toContain(fixtureText.ref.t3);
    expect(q(ep05, 'num-unverified-EP-05-0')).toBeNull();
    expect(q(target, 'num-limits-EP-07')!.textContent).toContain('排污许可证');
    expect(q(target, 'num-limits-EP-07')!.textContent).toContain(fixtureText.permit_source);
    // A form default nobody checked against the standard says so.
    expect(q(target, 'num-limits-EP-12')!.textContent).toContain('检查单默认限值');
    expect(q(target, 'num-unverified-EP-12-0')!.textContent).toContain('默认限值未经核实');
    // Keys big enough for gloves are there, with delete and clear.
    for (const k of ['0', '1', '9', 'dot', 'del', 'clear']) expect(q(ep05, `num-key-EP-05-${k}`), k).not.toBeNull();
  });

  it('sends a single reading from the pad as a plain number', async () => {
    const fake = backend(inspectingScreen());
    const { target } = render();
    for (const k of ['0', 'dot', '0', '7', '9', 'del', '5']) click(target, `num-key-EP-05-${k}`);
    expect(q<HTMLInputElement>(target, 'num-input-EP-05')!.value).toBe('0.075');
    click(target, 'num-ok-EP-05');
    await settle();
    const c = sent(fake)[0] as Extract<Command, { step: 'answer' }>;
    expect(c.item_id).toBe('EP-05');
    expect(c.value).toBe(0.075);
  });

  it('refuses an empty reading beside the confirm button without calling the core', async () => {
    const fake = backend(inspectingScreen());
    const { target } = render();
    click(target, 'num-ok-EP-05');
    await settle();
    expect(sent(fake)).toEqual([]);
    expect(q(target, 'num-EP-05')!.querySelector('[data-testid="error-banner"]')!.textContent).toContain('请至少输入一个读数。');
  });

  it('sends a reading per measured parameter as an object for multi-parameter items', async () => {
    const fake = backend(inspectingScreen());
    const { target } = render();
    const row = q(target, 'item-EP-08')!;
    expect(row.querySelectorAll('[data-testid^="num-param-EP-08-"]').length).toBe(4);
    for (const k of ['0', 'dot', '0', '2']) click(row, `num-key-EP-08-${k}`);
    click(row, 'num-param-EP-08-1');
    type(row, 'num-input-EP-08', '0.3');
    expect(q(row, 'num-param-EP-08-0')!.textContent).toContain('0.02');
    click(row, 'num-ok-EP-08');
    await settle();
    const c = sent(fake)[0] as Extract<Command, { step: 'answer' }>;
    expect(c.value).toEqual({ [fixtureText.params.cd]: 0.02, [fixtureText.params.pb]: 0.3 });
  });

  it('sends text, date and yes/no answers in their plain shapes', async () => {
    const screen = inspectingScreen();
    const rows = screen.checklist!.sections[5].rows;
    rows.push(
      { ...rows[0], item_id: 'X-DATE', ans: 'date', q_en: 'Date of the last report' },
      { ...rows[0], item_id: 'X-BOOL', ans: 'bool', q_en: 'Facility running' },
    );
    const fake = backend(inspectingScreen());
    const { target } = render(screen);
    type(target, 'input-HW-13a', ' 20263205000123 ');
    click(target, 'answer-HW-13a-save');
    await settle();
    type(target, 'input-X-DATE', '2026-10-31');
    click(target, 'answer-X-DATE-save');
    await settle();
    click(target, 'answer-X-BOOL-false');
    await settle();
    expect(sent(fake).map((c) => (c as Extract<Command, { step: 'answer' }>).value)).toEqual(['20263205000123', '2026-10-31', false]);
    expect(q(target, 'answer-X-BOOL-true')!.textContent?.trim()).toBe('是');
  });

  it('lists findings with their text, exceeded limits and legal basis', () => {
    const { target } = render();
    const panel = q(target, 'findings-panel')!;
    expect(panel.textContent).toContain('发现的问题（2）');
    const ep07 = q(panel, 'finding-EP-07')!;
    expect(ep07.textContent).toContain(fixtureText.finding['EP-07']);
    expect(ep07.textContent).toContain('实测 0.32 mg/L，限值 <= 0.1');
    expect(ep07.textContent).toContain('为限值的 3.2 倍');
    expect(ep07.textContent).toContain(fixtureText.basis.water10);
    const ep11 = q(panel, 'finding-EP-11')!;
    expect(ep11.textContent).toContain(fixtureText.penalty['EP-11b']);
    expect(ep11.textContent).toContain('现行版本未核实');
    expect(q(target, 'finding-line-EP-11')!.textContent).toContain(fixtureText.finding['EP-11']);
  });

  it('links to the evidence step for new photos', () => {
    const { target } = render();
    click(target, 'evidence-toggle-EP-05');
    click(target, 'evidence-go-EP-05');
    expect(location.hash).toBe(`#/case/${CASE_ID}/evidence`);
  });

  it('folds a section and unfolds it again', () => {
    const { target } = render();
    click(target, 'section-toggle-common-0');
    expect(q(target, 'item-CM-02')).toBeNull();
    click(target, 'section-toggle-common-0');
    expect(q(target, 'item-CM-02')).not.toBeNull();
  });
});
