import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../lib/i18n';
import { entityLabel, fieldLabel, hlcMs, originLabel, parseOrigin, reasonLabel, resolveProblem, sideValue } from './conflicts';

afterEach(() => setLocale('zh-CN'));

describe('conflict descriptions', () => {
  it('reads the wall-clock time from an HLC', () => {
    expect(hlcMs('001795511044228-0000000003-01a20ccc-4857-7b4e-95e4-75f48ece99a4')).toBe(1795511044228);
    expect(hlcMs('garbage')).toBeNull();
  });

  it('tells center writes from device writes', () => {
    expect(parseOrigin('center:U-CLERK')).toEqual({ center: true, who: 'U-CLERK' });
    expect(parseOrigin('01a20ccc-4857-7b4e-95e4-75f48ece99a4').center).toBe(false);
    expect(originLabel('center:U-CLERK')).toBe('中心：U-CLERK');
    setLocale('en');
    expect(originLabel('center:U-CLERK')).toBe('center: U-CLERK');
  });

  it('puts field, reason and status values into words, unknown ones raw', () => {
    expect(fieldLabel('status')).toBe('任务状态');
    expect(fieldLabel('review_note')).toBe('审查意见');
    expect(fieldLabel('priority')).toBe('priority');
    expect(reasonLabel('concurrent')).toBe('双方同时修改');
    expect(sideValue('status', 'cancelled')).toBe('已取消');
    expect(sideValue('assignment', 'T1')).toBe('T1');
    expect(entityLabel({ entity: 'task', entity_id: 'T-1' })).toBe('任务 T-1');
  });

  it('requires a resolution and a reason before sending', () => {
    expect(resolveProblem('', 'x')).toBe('choose');
    expect(resolveProblem('keep', '  ')).toBe('note');
    expect(resolveProblem('take_other', '现场已取消')).toBeNull();
  });
});
