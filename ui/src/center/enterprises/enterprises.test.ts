import { describe, expect, it } from 'vitest';
import type { CaseListItem } from '../../lib/api/types';
import type { TaskListItem } from '../../lib/api/tasks';
import { enterpriseFiltersFromQuery, enterpriseFiltersToApiQuery, enterpriseFiltersToQuery, emptyEnterpriseFilters } from './filters';
import { inspectionHistory, limitRows, openTasks } from './dossier';
import { importKind, parseJsonImport, splitRefusal } from './importFile';
import { riskLabel, riskTone } from './risk';

describe('enterprise filters', () => {
  it('round-trips and cleans', () => {
    const f = enterpriseFiltersFromQuery(new URLSearchParams('q=%E7%94%B5%E9%95%80&area=3205x&industry=C3360&risk=red'));
    expect(f).toEqual({ q: '电镀', area: '3205', industry: 'C3360', risk: 'red', offset: 0 });
    expect(enterpriseFiltersToQuery(f)).toBe('q=%E7%94%B5%E9%95%80&area=3205&industry=C3360&risk=red');
    expect(enterpriseFiltersToApiQuery({ ...f, offset: 100 })).toContain('&limit=50&offset=100');
    expect(enterpriseFiltersFromQuery(new URLSearchParams('risk=purple'))).toEqual(emptyEnterpriseFilters());
  });
});

describe('risk colour', () => {
  it('always has words beside the colour', () => {
    expect([riskTone('red'), riskLabel('red')]).toEqual(['bad', '红码']);
    expect([riskTone('yellow'), riskLabel('yellow')]).toEqual(['warn', '黄码']);
    expect([riskTone('green'), riskLabel('green')]).toEqual(['ok', '绿码']);
    expect([riskTone(null), riskLabel(null)]).toEqual(['neutral', '未评定']);
    expect(riskLabel('black')).toBe('black');
  });
});

describe('the one-file view', () => {
  const kase = (case_id: string, opened_at: string | null, findings: number) =>
    ({ case_id, task_id: `T-${case_id}`, opened_at, findings, status: 'closed' }) as CaseListItem;

  it('merges imported inspections and center cases, newest first, undated last', () => {
    const rows = inspectionHistory(
      [
        { date: '2025-06-10', source: '双随机抽查', findings: ['危废标识不全'] },
        { date: '2024-03-02', source: '信访投诉', findings: [] },
      ],
      [kase('C1', '2026-11-23T09:00:00+08:00', 2), kase('C2', null, 0)],
    );
    expect(rows.map((r) => [r.origin, r.date.slice(0, 10), r.findingCount])).toEqual([
      ['case', '2026-11-23', 2],
      ['imported', '2025-06-10', 1],
      ['imported', '2024-03-02', 0],
      ['case', '', 0],
    ]);
    expect(rows[0].case_id).toBe('C1');
    expect(inspectionHistory(undefined, undefined)).toEqual([]);
  });

  it('keeps only open tasks, soonest due first', () => {
    const task = (id: string, status: string, due: string) => ({ id, status, due }) as TaskListItem;
    expect(openTasks([task('a', 'done', '2026-01-01'), task('b', 'in_progress', '2026-12-01'), task('c', 'dispatched', '2026-11-30'), task('d', 'cancelled', '2026-01-01')]).map((x) => x.id)).toEqual(['c', 'b']);
  });

  it('orders permit limits by item, parameter, outlet', () => {
    const l = (item: string, param: string | null, instance: string | null) => ({ item, param, instance, value: 1, source: 's' });
    expect(limitRows([l('w', 'Ni', 'DW002'), l('w', 'Ni', 'DW001'), l('a', null, null)]).map((x) => [x.item, x.instance])).toEqual([
      ['a', null],
      ['w', 'DW001'],
      ['w', 'DW002'],
    ]);
  });
});

describe('the import file', () => {
  it('knows CSV and JSON by extension or by the first character', () => {
    expect(importKind('企业.csv', '')).toBe('csv');
    expect(importKind('enterprises.JSON', '')).toBe('json');
    expect(importKind('export', '\uFEFF  [{"id":1}]')).toBe('json');
    expect(importKind('export', 'id,name')).toBe('csv');
    expect(importKind('sheet.xlsx', 'PK')).toBeNull();
    expect(importKind('empty', '')).toBeNull();
  });

  it('checks a JSON file is a non-empty array', () => {
    expect(parseJsonImport('[{"id":"E-1"}]')).toEqual({ items: [{ id: 'E-1' }] });
    expect(parseJsonImport('{"id":"E-1"}')).toEqual({ problem: 'import.json_not_array' });
    expect(parseJsonImport('[')).toEqual({ problem: 'import.json_invalid' });
    expect(parseJsonImport('[]')).toEqual({ problem: 'import.empty' });
  });

  it('lists the rows a refusal names, one per line', () => {
    const zh = '企业 CSV 未导入（未保存任何数据）：第3行 B列（uscc）：应为18位；第5行 H列（lat）：不是数字';
    expect(splitRefusal(zh)).toEqual({
      head: '企业 CSV 未导入（未保存任何数据）',
      items: ['第3行 B列（uscc）：应为18位', '第5行 H列（lat）：不是数字'],
    });
    const en = 'enterprise CSV not imported (nothing stored): row 3 column B (uscc): must be 18 characters; row 5 column H: not a number';
    expect(splitRefusal(en).items).toHaveLength(2);
    // The server's own words: a problem may hold a semicolon inside its brackets.
    const real =
      '企业 CSV 未导入（未保存任何数据）：第 2 行 B 列「uscc」：统一社会信用代码应为 18 位数字或大写字母（“123”）；第 3 行 F 列「lon」：经度应为 73–136 之间的数字（WGS-84，“abc”；经纬度是否填反？）';
    expect(splitRefusal(real)).toEqual({
      head: '企业 CSV 未导入（未保存任何数据）',
      items: ['第 2 行 B 列「uscc」：统一社会信用代码应为 18 位数字或大写字母（“123”）', '第 3 行 F 列「lon」：经度应为 73–136 之间的数字（WGS-84，“abc”；经纬度是否填反？）'],
    });
    const realEn =
      'enterprise CSV not imported (nothing stored): row 2, column B `uscc`: a USCC is 18 digits or capital letters ("123"); row 3, column F `lon`: longitude must be a number within 73–136 (WGS-84, "abc"; lon and lat swapped?)';
    expect(splitRefusal(realEn).items).toEqual([
      'row 2, column B `uscc`: a USCC is 18 digits or capital letters ("123")',
      'row 3, column F `lon`: longitude must be a number within 73–136 (WGS-84, "abc"; lon and lat swapped?)',
    ]);
    expect(splitRefusal('body is not JSON')).toEqual({ head: 'body is not JSON', items: [] });
    expect(splitRefusal('未导入：只有一个问题')).toEqual({ head: '未导入：只有一个问题', items: [] });
  });
});
