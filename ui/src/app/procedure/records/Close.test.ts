// @vitest-environment jsdom
// The close screen: required steps not done are listed with why they are blocked and a link to
// each; the case's sync state shows; departing and closing send their commands, and the core's
// refusal to close appears beside the close button.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../api/bindings/Command';
import { refusal } from '../../api/fake';
import { setLocale } from '../../../lib/i18n';
import Close from './Close.svelte';
import { CASE_ID, demoScreen, done } from './fixtures';
import { byTestId, cleanup, click, render, settle, signIn } from './testkit';

beforeEach(() => signIn('O-ZHANG'));
afterEach(() => {
  cleanup();
  setLocale('zh-CN');
});

const sent = (fake: { calls: { name: string; args: unknown }[] }) =>
  fake.calls.filter((c) => c.name === 'step').map((c) => (c.args as { command: Command }).command);

describe('Close', () => {
  it('lists the required steps not done, with their blocked reasons, and the checklist gaps', () => {
    const screen = demoScreen();
    screen.steps.find((s) => s.id === 'transcript')!.blocked = ['须先完成现场检查', 'the checklist comes first'];
    const { target } = render(Close, screen);
    const rows = [...byTestId(target, 'close-missing').querySelectorAll('li[data-testid^="close-missing-"]')].map((li) => li.getAttribute('data-testid'));
    // Required and not done; the optional steps (sampling, interview, print) and close itself are not listed.
    expect(rows).toEqual(['close-missing-checklist', 'close-missing-transcript', 'close-missing-signature']);
    const transcript = byTestId(target, 'close-missing-transcript');
    expect(transcript.textContent).toContain('须先完成现场检查');
    expect(transcript.querySelector('a')?.getAttribute('href')).toBe(`#/case/${CASE_ID}/transcript`);
    expect(byTestId(target, 'close-gap').textContent).toBe('EP-11 unanswered');
    expect(byTestId(target, 'records-sync').textContent).toContain('2 个文件尚未送达中心');
    expect(byTestId(target, 'records-sync').textContent).toContain('4 条记录尚未送达中心');

    setLocale('en');
    return settle().then(() => expect(byTestId(target, 'close-missing-transcript').textContent).toContain('the checklist comes first'));
  });

  it('says nothing is missing when every required step is done', () => {
    const screen = demoScreen();
    for (const s of screen.steps) s.done = true;
    screen.checklist!.gaps = [];
    screen.sync = { case_id: CASE_ID, links_pending: 0, rejected: 0, blobs_pending: 0 };
    const { target } = render(Close, screen);
    expect(byTestId(target, 'close-nothing-missing')).toBeTruthy();
    expect(byTestId(target, 'records-sync').dataset.state).toBe('ok');
  });

  it('departs, and shows the refusal to close beside the close button', async () => {
    const screen = demoScreen();
    const departed = demoScreen();
    departed.case.departed_at = '2026-11-23T11:30:00+08:00';
    const { target, fake, onscreen } = render(Close, screen, {
      step: ({ command }) => {
        if (command.step === 'depart') return done(departed);
        throw refusal('step.incomplete', '不能归档，尚未完成：现场检查', 'cannot close; not yet complete: checklist');
      },
    });
    click(target, 'close-depart');
    await settle();
    expect(sent(fake)[0]).toEqual({ step: 'depart', case_id: CASE_ID, by: 'O-ZHANG' });
    expect(onscreen).toHaveBeenCalledWith(departed);

    click(target, 'close-case');
    await settle();
    expect(sent(fake)[1]).toEqual({ step: 'close_case', case_id: CASE_ID, by: 'O-ZHANG' });
    const banner = byTestId(byTestId(target, 'close-case-feedback'), 'error-banner');
    expect(banner.dataset.code).toBe('step.incomplete');
    expect(banner.textContent).toContain('不能归档，尚未完成：现场检查');
    expect(byTestId(target, 'close-case').nextElementSibling?.nextElementSibling).toBe(byTestId(target, 'close-case-feedback'));
  });

  it('includes the measures above the close button', async () => {
    const screen = demoScreen();
    const { target, fake } = render(Close, screen, { step: () => done(screen) });
    const measures = byTestId(target, 'measures');
    expect(measures.compareDocumentPosition(byTestId(target, 'close-case')) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    click(target, 'measures-tab-measure');
    const desc = byTestId<HTMLTextAreaElement>(target, 'measure-description');
    desc.value = '责令立即恢复镀镍线槽边抽风运行';
    desc.dispatchEvent(new Event('input', { bubbles: true }));
    click(target, 'measure-save');
    await settle();
    expect(sent(fake)[0]).toEqual({
      step: 'order_measure',
      case_id: CASE_ID,
      by: 'O-ZHANG',
      kind: '责令改正',
      description: '责令立即恢复镀镍线槽边抽风运行',
      approved_by: null,
      emergency: false,
      approval_due: null,
    });
  });
});
