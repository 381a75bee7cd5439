// @vitest-environment jsdom
// 被检查人 and 告知 mounted for real: the party form sends the person with the stored Chinese
// terms whatever the display language, the notice text is read in the user's language, and the
// recusal answer (with its reason) is sent and then shown as recorded.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import { setBackend } from '../api/backend';
import type { CaseScreen } from '../api/bindings/CaseScreen';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import Notice from './Notice.svelte';
import { CASE_ID, fixtureText, freshScreen, inspectingScreen, signedIn } from './fixtures';

let mounted: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  app.state = signedIn('O-LI');
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

function render(screen: CaseScreen) {
  const onscreen = vi.fn<(s: CaseScreen) => void>();
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(Notice, { target, props: { screen, onscreen } });
  flushSync();
  return { target, onscreen };
}

const q = (el: ParentNode, testid: string) => el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
function set(el: ParentNode, testid: string, value: string) {
  const f = q(el, testid) as HTMLInputElement | HTMLSelectElement;
  f.value = value;
  f.dispatchEvent(new Event(f instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  flushSync();
}
const done = (screen: CaseScreen) => ({ outcome: { case_id: CASE_ID, op_id: 'op', seq: 4, kind: 'k', created: null, flags: [] }, screen });

describe('Notice', () => {
  it('sends the party with the stored Chinese terms even in English', async () => {
    setLocale('en');
    const fake = new FakeBackend({ step: () => done(inspectingScreen()) });
    setBackend(fake);
    const { target } = render(freshScreen());
    set(target, 'party-name', ' 陈建国 ');
    set(target, 'party-sex', '男');
    set(target, 'party-id-number', '320506197503121234');
    set(target, 'party-relation', '法定代表人');
    set(target, 'party-title', '总经理');
    expect(q(target, 'party-relation')!.textContent).toContain('Legal representative');
    q(target, 'party-save')!.click();
    await settle();
    expect(fake.calls[0].args).toEqual({
      command: {
        step: 'record_party',
        case_id: CASE_ID,
        by: 'O-LI',
        person: {
          name: '陈建国',
          sex: '男',
          id_type: '居民身份证',
          id_number: '320506197503121234',
          title: '总经理',
          phone: null,
          address: null,
          relation: '法定代表人',
          power_of_attorney: null,
        },
      },
    });
  });

  it('asks for the power of attorney when the person is an authorized agent', () => {
    const { target } = render(freshScreen());
    expect(q(target, 'party-poa')).toBeNull();
    set(target, 'party-relation', '受委托人');
    expect(q(target, 'party-poa')).not.toBeNull();
  });

  it('reads the notice and sends the recusal request with its reason; a refusal shows beside the button', async () => {
    const fake = new FakeBackend({
      step: ({ command }) => {
        if (command.step === 'give_notice' && !command.credentials_seen) throw refusal('V-05', '在至少2名执法人员亮证之前，不能进行告知', 'show credentials first');
        return done(inspectingScreen());
      },
    });
    setBackend(fake);
    const { target, onscreen } = render(freshScreen());
    expect(q(target, 'notice-text')!.textContent).toBe(fixtureText.notice);
    const commit = q(target, 'notice-commit') as HTMLButtonElement;
    expect(commit.disabled).toBe(true);
    expect(q(target, 'notice-answer-needed')).not.toBeNull();
    q(target, 'notice-recusal-yes')!.click();
    flushSync();
    set(target, 'notice-recusal-reason', '执法人员李娜系法定代表人亲属');
    commit.click();
    await settle();
    expect(q(q(target, 'notice')!, 'error-banner')!.textContent).toContain('不能进行告知');
    q(target, 'notice-seen')!.click();
    flushSync();
    commit.click();
    await settle();
    expect(fake.calls.at(-1)!.args).toEqual({
      command: {
        step: 'give_notice',
        case_id: CASE_ID,
        by: 'O-LI',
        credentials_seen: true,
        recusal_requested: true,
        recusal_reason: '执法人员李娜系法定代表人亲属',
      },
    });
    expect(onscreen).toHaveBeenCalledTimes(1);
  });

  it('shows the party and the notice as recorded', () => {
    const s = inspectingScreen();
    s.case.notice = { ...s.case.notice!, recusal_requested: true, recusal_reason: '亲属关系' };
    const { target } = render(s);
    expect(q(target, 'party-recorded')!.textContent).toContain('陈建国');
    expect(q(target, 'party-recorded')!.textContent).toContain('法定代表人');
    expect(q(target, 'notice-recorded')!.textContent).toContain('已告知 2026-11-23 09:05:00');
    expect(q(target, 'notice-recorded-recusal')!.textContent).toContain('申请回避，理由：亲属关系');
    expect(q(target, 'notice-commit')).toBeNull();
  });
});
