import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../i18n';
import { formatDistance, formatValue, joinList } from './format';
import { shortHash } from './hash';

afterEach(() => setLocale('zh-CN'));

describe('value formatting', () => {
  it('puts the real checklist answer shapes into words', () => {
    expect(formatValue('compliant')).toBe('合规');
    expect(formatValue('non_compliant')).toBe('不合规');
    expect(formatValue({ number: '见附件', present: true })).toBe('有（见附件）');
    expect(formatValue(0.32)).toBe('0.32');
    expect(formatValue('重点管理')).toBe('重点管理');
    expect(formatValue(true)).toBe('是');
    setLocale('en');
    expect(formatValue({ number: 'attached', present: true })).toBe('present (attached)');
    expect(formatValue({ a: 1, b: 'x' })).toBe('a: 1, b: x');
  });

  it('formats distances in metres and kilometres', () => {
    expect(formatDistance(0)).toBe('0 米');
    expect(formatDistance(22.04)).toBe('22 米');
    expect(formatDistance(1530)).toBe('1.5 公里');
    expect(formatDistance(null)).toBe('—');
  });

  it('joins lists with the locale separator', () => {
    expect(joinList(['张伟', '李娜'])).toBe('张伟、李娜');
    expect(joinList([])).toBe('—');
  });

  it('shortens a SHA-256 to its ends', () => {
    const h = 'f253c6a66e294f7b4e2d53396d042505dc152b8c1e4293e3c91eb98da654718b';
    expect(shortHash(h)).toBe('f253c6a6…a654718b');
    expect(shortHash('abc')).toBe('abc');
  });
});
