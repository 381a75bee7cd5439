// The case page's tabs, which need the server's overview (`view`) and which work without it,
// and the evidence counts the header shows.
import type { MessageKey } from '../lib/i18n';
import type { CaseDetail } from '../lib/api/types';

export type Tab = 'overview' | 'checklist' | 'samples' | 'evidence' | 'records' | 'timeline' | 'audit';

export const TABS: readonly { id: Tab; label: MessageKey; needsView: boolean }[] = [
  { id: 'overview', label: 'detail.tab.overview', needsView: true },
  { id: 'checklist', label: 'detail.tab.checklist', needsView: true },
  { id: 'samples', label: 'detail.tab.samples', needsView: true },
  { id: 'evidence', label: 'detail.tab.evidence', needsView: false },
  { id: 'records', label: 'detail.tab.records', needsView: false },
  { id: 'timeline', label: 'detail.tab.timeline', needsView: false },
  { id: 'audit', label: 'detail.tab.audit', needsView: true },
];

/** The tab the hash names, if it can be shown; else the first that can. */
export function tabOf(query: URLSearchParams, hasView: boolean): Tab {
  const usable = TABS.filter((x) => hasView || !x.needsView);
  const wanted = usable.find((x) => x.id === query.get('tab'));
  return (wanted ?? usable[0]).id;
}

/** Evidence completeness of the case: its blobs (every file the ops name) stored vs named. */
export function evidenceCounts(d: Pick<CaseDetail, 'blobs'>): { stored: number; total: number } {
  const blobs = d.blobs ?? [];
  return { stored: blobs.filter((b) => b.stored).length, total: blobs.length };
}
