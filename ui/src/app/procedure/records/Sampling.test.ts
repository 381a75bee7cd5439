// @vitest-environment jsdom
// Sampling: a sample is sent with everything V-11 and V-13 ask for; its label prints from its
// card once recorded (a missing printer is said there, with a link to the print step);
// hand-overs go from the holder.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { refusal } from '../../api/fake';
import type { Command } from '../../api/bindings/Command';
import type { Sample } from '../../api/bindings/Sample';
import { CASE_ID, demoScreen, done } from './fixtures';
import { resetPrintRuns } from './printing.svelte';
import Sampling from './Sampling.svelte';
import { byTestId, choose, cleanup, click, render, settle, signIn, type } from './testkit';

beforeEach(() => signIn('O-LI'));
afterEach(() => {
  cleanup();
  resetPrintRuns();
});

const SAMPLE: Sample = {
  sample_id: 'S-20261123-01',
  point: 'DW001',
  point_type: 'workshop_outlet',
  parameters: ['Ni'],
  container: 'P 500mL',
  preservative: 'HNO3',
  seal_no: 'FT-0001',
  label_printed: true,
  collected_at: '2026-11-23T09:30:00+08:00',
  collected_by: ['O-LI'],
  party_witness: 'Chen Jianguo',
  absence_reason: null,
  absence_proof: null,
  custody: [{ from: 'site', to: 'O-LI', at: '2026-11-23T09:30:00+08:00', seal_intact: true, note: 'custody start' }],
};

const sent = (fake: { calls: { name: string; args: unknown }[] }) =>
  fake.calls.filter((c) => c.name === 'step').map((c) => (c.args as { command: Command }).command);

describe('Sampling', () => {
  it('takes a sample with its parameters, sampler and the party as witness', async () => {
    const screen = demoScreen();
    const { target, fake } = render(Sampling, screen, { step: () => done(screen) });
    type(target, 'sample-id', 'S-20261123-01');
    type(target, 'sample-point', 'DW001 车间废水排放口');
    choose(target, 'sample-point-type', 'workshop_outlet');
    for (const p of ['总镍', '六价铬']) {
      type(target, 'sample-parameter', p);
      click(target, 'sample-parameter-add');
    }
    type(target, 'sample-parameter', '总铬');
    type(target, 'sample-container', 'P 500mL');
    type(target, 'sample-preservative', 'HNO3 至 pH<2');
    type(target, 'sample-seal', 'FT-0001');
    click(target, 'sample-label-on');
    click(target, 'sample-collector-O-ZHANG');
    click(target, 'sample-save');
    await settle();
    expect(sent(fake)[0]).toEqual({
      step: 'take_sample',
      case_id: CASE_ID,
      by: 'O-LI',
      sample_id: 'S-20261123-01',
      point: 'DW001 车间废水排放口',
      point_type: 'workshop_outlet',
      parameters: ['总镍', '六价铬', '总铬'],
      container: 'P 500mL',
      preservative: 'HNO3 至 pH<2',
      seal_no: 'FT-0001',
      label_printed: true,
      collected_by: ['O-LI', 'O-ZHANG'],
      party_witness: 'Chen Jianguo',
      absence_reason: null,
      absence_proof: null,
    });
  });

  it('sends the absence reason and proof instead of a witness when the party is absent', async () => {
    const screen = demoScreen();
    const { target, fake } = render(Sampling, screen, { step: () => done(screen) });
    click(target, 'sample-party-absent');
    byTestId<HTMLInputElement>(target, 'sample-party-absent').dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    type(target, 'sample-absence-reason', '负责人外出');
    type(target, 'sample-absence-proof', 'EV-VIDEO');
    click(target, 'sample-preservative-none');
    click(target, 'sample-save');
    await settle();
    expect(sent(fake)[0]).toMatchObject({ party_witness: null, absence_reason: '负责人外出', absence_proof: 'EV-VIDEO', preservative: '无' });
  });

  it('explains that the label prints from the recorded sample, after saving', () => {
    const { target } = render(Sampling, demoScreen());
    expect(target.querySelector('[data-testid="sample-form"] [data-testid^="print-label"]')).toBeNull();
    expect(byTestId(target, 'sample-label-why').textContent).toContain('标签由保存后的样品记录生成');
  });

  it('prints a recorded sample\'s label from its card', async () => {
    const screen = demoScreen();
    screen.case.samples = [SAMPLE];
    const { target, fake } = render(Sampling, screen, {
      print: (a) => ({ case_id: a.case_id, what: a.what, printer: 'p', state: 'done', sent: 900, total: 900, error: null }),
    });
    click(target, 'print-label-S-20261123-01');
    await settle();
    expect(fake.calls.filter((c) => c.name === 'print').map((c) => c.args)).toEqual([
      { case_id: CASE_ID, what: { what: 'label', sample_id: 'S-20261123-01' } },
    ]);
    expect(byTestId(byTestId(target, 'sample-S-20261123-01'), 'print-done')).toBeTruthy();
  });

  it('shows the no-printer refusal under the label button with a link to the print step', async () => {
    const screen = demoScreen();
    screen.case.samples = [SAMPLE];
    const { target } = render(Sampling, screen, {
      print: () => {
        throw refusal('print.no_printer', '尚未选择打印机：请先搜索并选择打印机', 'no printer chosen: find and choose a printer first');
      },
    });
    click(target, 'print-label-S-20261123-01');
    await settle();
    const feedback = byTestId(target, 'print-label-S-20261123-01-feedback');
    expect(byTestId(feedback, 'error-banner').getAttribute('data-code')).toBe('print.no_printer');
    expect(byTestId(feedback, 'print-goto-print').getAttribute('href')).toBe(`#/case/${CASE_ID}/print`);
  });

  it('hands a sample over from its current holder', async () => {
    const screen = demoScreen();
    screen.case.samples = [SAMPLE];
    const { target, fake } = render(Sampling, screen, { step: () => done(screen) });
    expect(byTestId(target, 'sample-custody').textContent).toContain('site → Li Na');
    click(target, 'handover-open-S-20261123-01');
    type(target, 'handover-to', '苏州市环境监测中心 收样员 赵敏');
    click(target, 'handover-save');
    await settle();
    expect(sent(fake)[0]).toEqual({
      step: 'hand_over',
      case_id: CASE_ID,
      sample_id: 'S-20261123-01',
      from: 'O-LI',
      to: '苏州市环境监测中心 收样员 赵敏',
      seal_intact: true,
      note: null,
    });
  });
});
