// What one row of the case list says: opened date, officers, and evidence completeness in
// words ("6/6 证据已到" / "等待证据 4/6") — a case is not complete at the center while a photo
// of it is missing.
import { t } from '../lib/i18n';
import { joinList } from '../lib/components/format';
import { formatDate } from '../lib/components/time';
import type { CaseListItem } from '../lib/api/types';
import { syncState } from './verification';

export function syncText(stored: number, total: number): string {
  if (!total) return t('cases.sync.none');
  const params = { stored, total };
  return stored >= total ? t('cases.sync.complete', params) : t('cases.sync.waiting', params);
}

export function syncTone(item: Pick<CaseListItem, 'blobs_stored' | 'blob_count'>) {
  return syncState(item.blobs_stored, item.blob_count);
}

export function officersText(item: Pick<CaseListItem, 'officers'>): string {
  return joinList((item.officers ?? []).map((o) => o.name || o.id));
}

export function openedText(item: Pick<CaseListItem, 'opened_at'>): string {
  return formatDate(item.opened_at ?? null);
}
