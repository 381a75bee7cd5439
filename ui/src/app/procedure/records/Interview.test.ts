// @vitest-environment jsdom
// Interviews: started with the interviewee's identity (the person on site copied in), then one
// question and answer at a time, ended with the interviewee's closing statement — stored in
// Chinese whatever the screen's language. Notes (grid-worker verification) are added as written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../api/bindings/Command';
import { setLocale } from '../../../lib/i18n';
import { CASE_ID, demoScreen, done, PARTY } from './fixtures';
import Interview from './Interview.svelte';
import Note from './Note.svelte';
import { byTestId, choose, cleanup, click, render, settle, signIn, type } from './testkit';

beforeEach(() => signIn('O-ZHANG'));
afterEach(() => {
  cleanup();
  setLocale('zh-CN');
});

const sent = (fake: { calls: { name: string; args: unknown }[] }) =>
  fake.calls.filter((c) => c.name === 'step').map((c) => (c.args as { command: Command }).command);

function running() {
  const s = demoScreen();
  s.case.interviews = [
    {
      id: 'IV-1',
      interviewee: PARTY,
      sequence: 1,
      started_at: '2026-11-23T09:40:00+08:00',
      ended_at: null,
      place: 'meeting room',
      interviewers: ['O-ZHANG'],
      recorder: 'O-LI',
      qa: [{ q: 'first question', a: 'first answer' }],
      closing_statement: null,
    },
  ];
  return s;
}

describe('Interview', () => {
  it('starts an interview of the person on site', async () => {
    const screen = demoScreen();
    const { target, fake } = render(Interview, screen, { step: () => done(screen) });
    click(target, 'interview-copy-party');
    type(target, 'interview-place', '公司会议室');
    choose(target, 'interview-recorder', 'O-LI');
    click(target, 'interview-start-save');
    await settle();
    expect(sent(fake)[0]).toEqual({
      step: 'start_interview',
      case_id: CASE_ID,
      by: 'O-ZHANG',
      interviewee: { ...PARTY, address: null, power_of_attorney: null },
      place: '公司会议室',
      interviewers: ['O-ZHANG'],
      recorder: 'O-LI',
    });
  });

  it('records a question with its answer, inserting a standard question in Chinese', async () => {
    setLocale('en');
    const screen = running();
    const { target, fake } = render(Interview, screen, { step: () => done(screen) });
    expect(byTestId(target, 'interview-qa').querySelectorAll('[data-testid="qa-row"]')).toHaveLength(1);
    choose(target, 'qa-script', 'supplement');
    expect(byTestId<HTMLTextAreaElement>(target, 'qa-q').value).toBe('你还有什么需要补充说明的吗？');
    type(target, 'qa-a', '没有了。');
    click(target, 'qa-save');
    await settle();
    expect(sent(fake)[0]).toEqual({ step: 'record_qa', case_id: CASE_ID, interview_id: 'IV-1', q: '你还有什么需要补充说明的吗？', a: '没有了。' });
  });

  it('ends the interview with the closing statement', async () => {
    const screen = running();
    const { target, fake } = render(Interview, screen, { step: () => done(screen) });
    click(target, 'interview-closing-read');
    click(target, 'interview-end');
    await settle();
    expect(sent(fake)[0]).toEqual({
      step: 'end_interview',
      case_id: CASE_ID,
      interview_id: 'IV-1',
      closing_statement: '以上笔录我已看过，与我说的一致。',
    });
  });
});

describe('Note', () => {
  it('adds a note and lists the notes', async () => {
    const screen = demoScreen();
    screen.case.notes = ['earlier note'];
    const { target, fake } = render(Note, screen, { step: () => done(screen) });
    expect(byTestId(target, 'note-list').textContent).toContain('earlier note');
    type(target, 'note-text', '  现场核实：企业已停产  ');
    click(target, 'note-save');
    await settle();
    expect(sent(fake)[0]).toEqual({ step: 'add_note', case_id: CASE_ID, by: 'O-ZHANG', text: '现场核实：企业已停产' });
    expect(byTestId<HTMLTextAreaElement>(target, 'note-text').value).toBe('');
  });
});
