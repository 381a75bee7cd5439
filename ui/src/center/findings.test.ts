import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../lib/i18n';
import { findingText, limitText } from './findings';

afterEach(() => setLocale('zh-CN'));

describe('findingText', () => {
  it('reads both shapes the server sends', () => {
    // view.findings[]
    expect(findingText({ finding: '镀镍生产线运行时槽边抽风系统停运' })).toBe('镀镍生产线运行时槽边抽风系统停运');
    // view.answers[].finding (the device record, as the server sends it today)
    expect(findingText({ text: '车间排口DW001总镍快检0.32 mg/L', question_zh: '车间排口总镍' })).toBe('车间排口DW001总镍快检0.32 mg/L');
    expect(findingText(null)).toBe('');
  });

  it('words the ratio as times the limit, not as 超标倍数', () => {
    // The real demo limit check: 0.32 mg/L against <= 0.1, factor 3.1999999999999997.
    expect(limitText(true, 3.1999999999999997)).toBe('为限值的 3.2 倍');
    expect(limitText(true, null)).toBe('超标');
    expect(limitText(false, 0.5)).toBe('未超标');
    setLocale('en');
    expect(limitText(true, 3.1999999999999997)).toBe('3.2× the limit');
  });
});
