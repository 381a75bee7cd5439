import { describe, expect, it } from 'vitest';
import type { CaseDetail } from '../lib/api/types';
import demo from './fixtures/demo-case.json';
import { groupTimeline, timelineRows } from './timeline';

const real = demo as unknown as CaseDetail;

describe('procedure timeline', () => {
  it('lists ops in chain order with the device time and who did it', () => {
    const rows = timelineRows([...real.ops].reverse());
    expect(rows.map((r) => r.seq)).toEqual([...real.ops.map((o) => o.seq)].sort((a, b) => a - b));
    expect(rows[0]).toMatchObject({ kind: 'case_opened', at: '2026-11-23T09:00:02+08:00', by: 'O-ZHANG', verified: true, outcome: null });
    expect(rows[1]).toMatchObject({ kind: 'checked_in', at: '2026-11-23T09:00:09+08:00' });
  });

  it('names what distinguishes rows of one kind', () => {
    const rows = timelineRows(real.ops);
    expect(rows.find((r) => r.kind === 'sample_taken')?.detail).toBe('S-20261123-01');
    expect(rows.find((r) => r.kind === 'credential_shown')?.detail).toBe('张伟');
    expect(rows.filter((r) => r.kind === 'answered').map((r) => r.detail)).toContain('EP-07');
  });

  it('folds runs of one kind but never folds away a failed op', () => {
    const ops = JSON.parse(JSON.stringify(real.ops)) as CaseDetail['ops'];
    const groups = groupTimeline(timelineRows(ops));
    const answered = groups.find((g) => g.first.kind === 'answered');
    expect(answered?.count).toBe(7);

    const firstAnswer = ops.findIndex((o) => o.kind === 'answered');
    ops[firstAnswer + 2].chain_verified = false;
    const split = groupTimeline(timelineRows(ops)).filter((g) => g.first.kind === 'answered');
    expect(split.map((g) => g.count)).toEqual([2, 1, 4]);
    expect(split[1].allVerified).toBe(false);
  });

  it('shows an outcome other than applied and survives ops without payload', () => {
    const rows = timelineRows([
      { seq: 1, op_id: 'a', kind: 'closed', hlc: '', payload: null, chain_verified: false, result: { outcome: 'quarantined' } },
    ]);
    expect(rows[0]).toMatchObject({ at: null, by: null, verified: false, outcome: 'quarantined', detail: null });
  });
});
