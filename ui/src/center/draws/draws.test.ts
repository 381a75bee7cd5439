import { describe, expect, it } from 'vitest';
import type { DrawnObject, ExcludedOfficer } from '../../lib/api/draws';
import { compareDraws } from './verify';
import { inputLines } from './inputs';
import { splitExclusions } from './exclusions';
import { drawBody, drawProblems, emptyDrawDraft, parseList, randomSeed, seedHash, type DrawDraft } from './form';

const row = (order: number, enterprise_id: string, officers: string[]): DrawnObject => ({
  order,
  enterprise_id,
  name: enterprise_id,
  area: '320505',
  officers: officers.map((id) => ({ id, name: id })),
  excluded_officers: [],
  task_id: null,
});

describe('compareDraws', () => {
  const recorded = [row(1, 'E-1', ['O-A', 'O-B']), row(2, 'E-2', ['O-C', 'O-D'])];

  it('is the same when every position has the same enterprise and officers', () => {
    const again = [row(2, 'E-2', ['O-C', 'O-D']), row(1, 'E-1', ['O-A', 'O-B'])];
    expect(compareDraws(recorded, again, true)).toEqual({ same: true, serverSaysSame: true, diffs: [] });
  });

  it('names the rows and parts that differ, including officer order and missing rows', () => {
    const again = [row(1, 'E-1', ['O-B', 'O-A']), row(2, 'E-9', ['O-C', 'O-D']), row(3, 'E-3', ['O-E', 'O-F'])];
    const c = compareDraws(recorded, again, false);
    expect(c.same).toBe(false);
    expect(c.diffs.map((d) => [d.order, d.fields])).toEqual([
      [1, ['officers']],
      [2, ['enterprise']],
      [3, ['enterprise', 'officers']],
    ]);
    expect(c.diffs[2].recorded).toBeNull();
  });

  it('does not call it the same when the server says it is not, even if the rows agree', () => {
    expect(compareDraws(recorded, recorded, false).same).toBe(false);
  });
});

describe('new draw form', () => {
  const good = (): DrawDraft => ({
    ...emptyDrawDraft(2026),
    name: '2026年第四季度 重点排污单位 双随机抽查',
    area: '3205',
    ratio_percent: '25',
    supervisor: '法制科 陈静',
    due: '2026-12-31',
    seed: '0123456789abcdef0123456789abcdef',
    industries: 'C3360，C3340、 C3360',
    flags: 'key_discharger has_permit',
    risks: ['red', 'yellow'],
  });

  it('makes a 32-hex seed from the crypto generator', () => {
    expect(randomSeed((a) => a.fill(0xab))).toBe('ab'.repeat(16));
    expect(randomSeed()).toMatch(/^[0-9a-f]{32}$/);
    expect(randomSeed()).not.toBe(randomSeed());
  });

  it('hashes the seed as SHA-256 of its text', async () => {
    expect(await seedHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await seedHash('')).toBeNull();
  });

  it('reads lists typed with either comma, 、 or spaces, once each', () => {
    expect(parseList('C3360，C3340、 C3360, ,C2614')).toEqual(['C3360', 'C3340', 'C2614']);
    expect(parseList('  ')).toEqual([]);
  });

  it('accepts a complete draft, and needs a due date', () => {
    expect(drawProblems(good(), '2026-11-23')).toEqual([]);
    expect(drawProblems({ ...good(), due: '' }, '2026-11-23')).toEqual(['draw_form.need_due']);
  });

  it('names every problem', () => {
    const d = { ...emptyDrawDraft(2026), year: 'x', officers_per_object: '1', annual_cap: '0', due: '2026-01-01' };
    expect(drawProblems(d, '2026-11-23')).toEqual([
      'draw_form.need_name',
      'draw_form.need_year',
      'draw_form.need_area',
      'draw_form.need_ratio',
      'draw_form.need_officers',
      'draw_form.need_cap',
      'draw_form.need_supervisor',
      'draw_form.due_past',
      'draw_form.need_seed',
    ]);
    expect(drawProblems({ ...good(), ratio_percent: '101' }, '2026-11-23')).toEqual(['draw_form.need_ratio']);
  });

  it('builds the request body', () => {
    expect(drawBody(good(), false)).toEqual({
      name: '2026年第四季度 重点排污单位 双随机抽查',
      year: 2026,
      area: '3205',
      industries: ['C3360', 'C3340'],
      flags: ['key_discharger', 'has_permit'],
      risks: ['red', 'yellow'],
      ratio_percent: 25,
      officers_per_object: 2,
      annual_cap: null,
      supervisor: '法制科 陈静',
      due: '2026-12-31',
      procedure: 'inspection',
      seed: '0123456789abcdef0123456789abcdef',
      create_tasks: false,
    });
    expect(drawBody({ ...good(), annual_cap: '2' }, true)).toMatchObject({ annual_cap: 2, create_tasks: true });
  });
});

describe('draw inputs as recorded', () => {
  it('says which cap applied when the plan left it to the server', () => {
    const lines = inputLines({ inputs: { area: '3205', industries: [], flags: ['key_discharger'], risks: ['red'], ratio_percent: 20, officers_per_object: 2, annual_cap: null, due: '2026-12-31' }, annual_cap: 2 });
    const byLabel = Object.fromEntries(lines.map((l) => [l.label, l.value]));
    expect(byLabel['每家企业年度检查上限']).toBe('服务器默认（2 次）');
    expect(byLabel['行业代码']).toBe('不限');
    expect(byLabel['三色码']).toBe('红码');
    expect(byLabel['抽取比例（%）']).toBe('20%');
    expect(inputLines({ inputs: { annual_cap: 3 } }).find((l) => l.label === '每家企业年度检查上限')?.value).toBe('3');
    expect(inputLines({ inputs: {} }).find((l) => l.label === '每家企业年度检查上限')?.value).toBe('服务器默认');
  });
});

describe('officer exclusions', () => {
  const feng: ExcludedOfficer = { id: 'O-FENG', name: '冯建军', reason: 'no_valid_credential', detail: null };
  const sun: ExcludedOfficer = { id: 'O-SUN', name: '孙静', reason: 'recusal', detail: '配偶在该企业任职' };
  const withX = (order: number, excluded: ExcludedOfficer[]) => ({ ...row(order, `E-${order}`, ['O-A', 'O-B']), excluded_officers: excluded });

  it('lists an exclusion that holds for every object once, and keeps the particular ones per row', () => {
    const { everywhere, perRow } = splitExclusions([withX(1, [feng]), withX(2, [feng, sun]), withX(3, [feng])]);
    expect(everywhere).toEqual([feng]);
    expect(perRow.get(1)).toEqual([]);
    expect(perRow.get(2)).toEqual([sun]);
  });

  it('keeps everything per row when one object was drawn or nothing is common', () => {
    expect(splitExclusions([withX(1, [feng])]).everywhere).toEqual([]);
    expect(splitExclusions([withX(1, [feng])]).perRow.get(1)).toEqual([feng]);
    expect(splitExclusions([withX(1, [feng]), withX(2, [sun])]).everywhere).toEqual([]);
  });
});
