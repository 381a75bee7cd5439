import { afterEach, describe, expect, it } from 'vitest';
import { interpolate, locale, pick, setLocale, t, tOr, translate } from './index';

afterEach(() => setLocale('zh-CN'));

describe('t()', () => {
  it('defaults to Chinese and switches to English', () => {
    expect(locale()).toBe('zh-CN');
    expect(t('review.action.returned')).toBe('退回');
    setLocale('en');
    expect(t('review.action.returned')).toBe('Return');
  });

  it('fills parameters, leaving unknown placeholders visible', () => {
    expect(t('cases.sync.waiting', { stored: 4, total: 6 })).toBe('等待证据 4/6');
    expect(t('cases.sync.complete', { stored: 6, total: 6 })).toBe('6/6 证据已到');
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('translates into a given locale regardless of the current one', () => {
    expect(translate('en', 'verify.chain.ok')).toBe('Audit chain intact');
    expect(translate('zh-CN', 'verify.chain.ok')).toBe('审计链完整');
  });

  it('falls back to the raw value for words it has no key for', () => {
    expect(tOr('op.checked_in', 'checked_in')).toBe('定位签到');
    expect(tOr('op.teleported', 'teleported')).toBe('teleported');
  });

  it('picks the server message in the user language, the other one when missing', () => {
    const refusal = { zh: '无权操作', en: 'forbidden' };
    expect(pick(refusal)).toBe('无权操作');
    setLocale('en');
    expect(pick(refusal)).toBe('forbidden');
    expect(pick({ zh: '只有中文', en: '' })).toBe('只有中文');
  });
});
