// @vitest-environment jsdom
// The print step says plainly that printing is not set up, lists what will print, and never
// calls the core (there is no print command yet to call).
import { afterEach, describe, expect, it } from 'vitest';
import { demoScreen, onsiteTranscript, version } from './fixtures';
import Print from './Print.svelte';
import { byTestId, cleanup, render } from './testkit';

afterEach(cleanup);

describe('Print', () => {
  it('lists locked records and sample labels and says printing is not set up', () => {
    const screen = demoScreen();
    screen.case.transcripts = [onsiteTranscript([version(1, { locked_at: '2026-11-23T10:45:00+08:00' })])];
    screen.case.samples = [
      {
        sample_id: 'S-20261123-01',
        point: 'DW001',
        point_type: 'workshop_outlet',
        parameters: ['Ni'],
        container: 'P',
        preservative: 'HNO3',
        seal_no: 'FT-0001',
        label_printed: true,
        collected_at: '2026-11-23T09:30:00+08:00',
        collected_by: ['O-LI'],
        party_witness: 'x',
        absence_reason: null,
        absence_proof: null,
        custody: [],
      },
    ];
    const { target, fake } = render(Print, screen);
    expect(byTestId(target, 'print-not-set-up').textContent).toContain('尚未设置打印');
    const items = [...target.querySelectorAll('[data-testid="print-item"]')].map((li) => li.textContent?.trim());
    expect(items).toEqual(['现场检查（勘察）笔录 · 第1版', '样品标签：S-20261123-01']);
    expect(target.querySelector('button')).toBeNull();
    expect(fake.calls).toEqual([]);
  });
});
