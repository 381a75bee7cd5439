// The step bar's decisions: which step the case opens on and how each entry is drawn, from the
// step statuses the core sends (fixtures follow forms/procedures/inspection.yaml).
import { describe, expect, it } from 'vitest';
import { currentStep, entries, entryState, nextStep, stepAfter } from './steps';
import { stepStatuses } from './fixtures';

describe('current step', () => {
  it('opens a fresh case on check-in, the only step neither done nor blocked', () => {
    const steps = stepStatuses([]);
    expect(nextStep(steps)?.id).toBe('checkin');
    expect(currentStep(steps, null)?.id).toBe('checkin');
  });

  it('moves on to the first step that is not done and not blocked', () => {
    expect(nextStep(stepStatuses(['checkin']))?.id).toBe('credentials');
    // Evidence is allowed after check-in, but credentials come first in the procedure's order.
    expect(nextStep(stepStatuses(['checkin', 'credentials', 'notice']))?.id).toBe('checklist');
    expect(nextStep(stepStatuses(['checkin', 'credentials', 'notice', 'checklist', 'sampling']))?.id).toBe('evidence');
  });

  it('skips steps that are done by nature (interview with none started)', () => {
    const steps = stepStatuses(['checkin', 'credentials', 'notice', 'checklist', 'sampling', 'evidence']);
    expect(nextStep(steps)?.id).toBe('transcript');
  });

  it('takes the step the route names, even a blocked one, and falls back for an unknown id', () => {
    const steps = stepStatuses([]);
    expect(currentStep(steps, 'checklist')?.id).toBe('checklist');
    expect(currentStep(steps, 'no-such-step')?.id).toBe('checkin');
  });

  it('lands on the last step when everything is done, and on nothing without steps', () => {
    const all = stepStatuses(['checkin', 'credentials', 'notice', 'checklist', 'sampling', 'evidence', 'transcript', 'signature', 'close']);
    expect(nextStep(all)?.id).toBe('close');
    expect(nextStep([])).toBeNull();
  });

  it('offers the next worthwhile step after a finished one', () => {
    const steps = stepStatuses(['checkin']);
    expect(stepAfter(steps, 'checkin')?.id).toBe('credentials');
    expect(stepAfter(steps, 'nope')).toBeNull();
  });
});

describe('entry states', () => {
  it('marks done, blocked, allowed, current and optional', () => {
    const list = entries(stepStatuses(['checkin']), 'credentials');
    const by = Object.fromEntries(list.map((e) => [e.step.id, e]));
    expect(by.checkin.state).toBe('done');
    expect(by.credentials.state).toBe('allowed');
    expect(by.credentials.current).toBe(true);
    expect(by.checkin.current).toBe(false);
    expect(by.notice.state).toBe('blocked');
    expect(by.notice.reason?.en).toBe('“Rights notice and recusal” needs these steps first: Show credentials');
    expect(by.notice.reason?.zh).toContain('亮证');
    expect(by.checkin.reason).toBeNull();
    expect(by.interview.optional).toBe(true);
    expect(by.print.optional).toBe(true);
    expect(by.checklist.optional).toBe(false);
  });

  it('shows a blocked step as blocked even when the core calls it done (print before signatures)', () => {
    const print = stepStatuses([]).find((s) => s.id === 'print')!;
    expect(print.done).toBe(true);
    expect(entryState(print)).toBe('blocked');
  });
});
