// The case list's ledgers (检查台账, 问题台账): the list's own filters (no paging: a ledger is
// every case the filter selects) plus the format, and the name to save under when the server
// does not give one.
import { t } from '../lib/i18n';
import { beijingStamp } from '../lib/components/time';
import type { LedgerFormat, LedgerKind } from '../lib/api/ledgers';
import { filtersToQuery, type CaseFilters } from './filters';

export const LEDGER_FORMATS: readonly LedgerFormat[] = ['csv', 'xlsx'];

export function ledgerQuery(f: CaseFilters, format: LedgerFormat): string {
  const p = new URLSearchParams(filtersToQuery({ ...f, offset: 0 }));
  p.set('format', format);
  return p.toString();
}

/** 检查台账-20261123.csv: the ledger's name and today's Beijing date. */
export function fallbackLedgerName(kind: LedgerKind, format: LedgerFormat, nowMs: number = Date.now()): string {
  const { date } = beijingStamp(nowMs);
  return `${t(`ledger.file.${kind}`, { date })}.${format}`;
}
