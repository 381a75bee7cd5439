// The verdict's words and colour, shared by the app and the public page: every status has its
// own words in both languages, only "valid" is green, a revocation's date is Beijing's, and the
// revocation list's age comes from the verifier's measure when it gives one.
import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../i18n';
import { REVOCATIONS_AT_MS, verdictOf, type VerdictStatusName } from '../../app/procedure/fixtures';
import { revocationDetail, revocationListAge, verdictExplanation, verdictLabel, verdictTone, verdictWords } from './credentialVerdict';

const ALL: VerdictStatusName[] = ['valid', 'revoked', 'expired', 'not_yet_valid', 'retired_key', 'unknown_key', 'bad_signature', 'malformed'];

afterEach(() => setLocale('zh-CN'));

describe('credential verdict words', () => {
  it('gives every status distinct words in both languages, green only when valid', () => {
    for (const loc of ['zh-CN', 'en'] as const) {
      setLocale(loc);
      const labels = ALL.map((s) => verdictLabel(verdictOf(s)));
      expect(new Set(labels).size).toBe(ALL.length);
      for (const s of ALL) expect(verdictExplanation(verdictOf(s)).length).toBeGreaterThan(5);
    }
    expect(ALL.filter((s) => verdictTone(verdictOf(s)) === 'ok')).toEqual(['valid']);
    expect(verdictTone(verdictOf('not_yet_valid'))).toBe('warn');
  });

  it('dates a revocation in Beijing time and keeps its reason; nothing for other statuses', () => {
    expect(verdictLabel(verdictOf('revoked'))).toBe('已吊销（2026-11-23）');
    expect(verdictWords(verdictOf('revoked'))).toBe('已吊销');
    expect(revocationDetail(verdictOf('revoked'))).toBe('吊销日期：2026-11-23；原因：调离执法岗位');
    expect(revocationDetail(verdictOf('valid'))).toBeNull();
    setLocale('en');
    expect(verdictLabel(verdictOf('revoked'))).toBe('Revoked (23 Nov 2026)');
  });

  it('says why a token is malformed', () => {
    expect(verdictExplanation(verdictOf('malformed'))).toBe("不是执法证二维码：expected 4 parts separated by '.', found 1");
  });

  it('ages the revocation list by the verifier\'s measure, else from now', () => {
    const v = verdictOf('valid');
    expect(revocationListAge(v, 2 * 86400_000)).toEqual({ seq: 12, time: '2026-11-23 09:00:00', ago: '2 天前' });
    expect(revocationListAge(v, null, REVOCATIONS_AT_MS + 5 * 60_000)!.ago).toBe('5 分钟前');
    expect(revocationListAge(verdictOf('valid', undefined, false))).toBeNull();
  });
});
