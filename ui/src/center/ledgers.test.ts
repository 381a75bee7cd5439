import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../lib/i18n';
import { emptyFilters } from './filters';
import { fallbackLedgerName, ledgerQuery } from './ledgers';

afterEach(() => setLocale('zh-CN'));

describe('ledgers', () => {
  it('send the list filters without paging, plus the format', () => {
    const f = { ...emptyFilters(), status: 'closed' as const, enterprise: '示范', has_findings: 'true' as const, offset: 100 };
    expect(ledgerQuery(f, 'xlsx')).toBe('status=closed&enterprise=%E7%A4%BA%E8%8C%83&has_findings=true&format=xlsx');
    expect(ledgerQuery(emptyFilters(), 'csv')).toBe('format=csv');
  });

  it('fall back to a dated name in the reader\'s language', () => {
    const ms = Date.parse('2026-11-23T17:00:00Z');
    expect(fallbackLedgerName('inspections', 'csv', ms)).toBe('检查台账-20261124.csv');
    expect(fallbackLedgerName('findings', 'xlsx', ms)).toBe('问题台账-20261124.xlsx');
    setLocale('en');
    expect(fallbackLedgerName('findings', 'csv', ms)).toBe('findings-ledger-20261124.csv');
  });
});
