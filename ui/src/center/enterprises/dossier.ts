// 一企一档 as the page reads it: one inspection history out of two sources (the inspections
// imported with the enterprise's record, and the cases the center holds), the tasks still
// open, and permit limits in a stable order.
import type { CaseListItem } from '../../lib/api/types';
import type { PastInspection, PermitLimit } from '../../lib/api/enterprises';
import type { TaskListItem } from '../../lib/api/tasks';

export interface HistoryRow {
  /** YYYY-MM-DD or an RFC 3339 time (a case's opening); sorted as text on its first 10 characters. */
  date: string;
  origin: 'imported' | 'case';
  /** The imported source ("双随机抽查 2025"), or the case's task. */
  source: string;
  /** Imported findings as text; a case's as a count (its page has the text). */
  findings: string[];
  findingCount: number;
  case_id: string | null;
  status: string | null;
}

export function inspectionHistory(past: PastInspection[] | undefined, cases: CaseListItem[] | undefined): HistoryRow[] {
  const rows: HistoryRow[] = [
    ...(past ?? []).map((p) => ({
      date: p.date,
      origin: 'imported' as const,
      source: p.source,
      findings: p.findings ?? [],
      findingCount: (p.findings ?? []).length,
      case_id: null,
      status: null,
    })),
    ...(cases ?? []).map((c) => ({
      date: c.opened_at ?? '',
      origin: 'case' as const,
      source: c.task_id,
      findings: [],
      findingCount: c.findings ?? 0,
      case_id: c.case_id,
      status: c.status,
    })),
  ];
  // Newest first; undated (a case not yet opened on the device) last.
  return rows.sort((a, b) => (b.date.slice(0, 10) || '0').localeCompare(a.date.slice(0, 10) || '0'));
}

export function openTasks(tasks: TaskListItem[] | undefined): TaskListItem[] {
  return (tasks ?? [])
    .filter((x) => x.status === 'dispatched' || x.status === 'in_progress')
    .sort((a, b) => a.due.localeCompare(b.due));
}

export function limitRows(limits: PermitLimit[] | undefined): PermitLimit[] {
  const key = (l: PermitLimit) => `${l.item}\u0000${l.param ?? ''}\u0000${l.instance ?? ''}`;
  return [...(limits ?? [])].sort((a, b) => key(a).localeCompare(key(b)));
}
