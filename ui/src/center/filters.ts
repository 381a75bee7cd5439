// The case list's filter bar <-> the query string. The same string goes to GET /v1/cases and
// into the hash (#/cases?…), so a reload or a shared link shows the same list. Values are
// checked on the way in: a hand-edited hash cannot send the server a filter it does not know.
import type { ReviewState } from '../lib/api/types';

export interface CaseFilters {
  status: '' | 'open' | 'closed';
  review: '' | ReviewState;
  enterprise: string;
  officer: string;
  /** YYYY-MM-DD, opened date, inclusive. */
  from: string;
  to: string;
  has_findings: '' | 'true' | 'false';
  complete: '' | 'true' | 'false';
  offset: number;
}

export const PAGE_SIZE = 50;

export const STATUSES = ['open', 'closed'] as const;
export const REVIEW_STATES: readonly ReviewState[] = ['received', 'under_review', 'accepted', 'returned'];

/** The order parameters appear in (stable, so equal filters give equal strings). */
const KEYS = ['status', 'review', 'enterprise', 'officer', 'from', 'to', 'has_findings', 'complete'] as const;

export function emptyFilters(): CaseFilters {
  return { status: '', review: '', enterprise: '', officer: '', from: '', to: '', has_findings: '', complete: '', offset: 0 };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

function oneOf<T extends string>(v: string | null, allowed: readonly T[]): T | '' {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : '';
}

export function filtersFromQuery(q: string | URLSearchParams): CaseFilters {
  const p = typeof q === 'string' ? new URLSearchParams(q.replace(/^\?/, '')) : q;
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const offset = Number(p.get('offset') ?? '0');
  return {
    status: oneOf(p.get('status'), STATUSES),
    review: oneOf(p.get('review'), REVIEW_STATES),
    enterprise: (p.get('enterprise') ?? '').trim(),
    officer: (p.get('officer') ?? '').trim(),
    from: validDate(from) ? from : '',
    to: validDate(to) ? to : '',
    has_findings: oneOf(p.get('has_findings'), ['true', 'false'] as const),
    complete: oneOf(p.get('complete'), ['true', 'false'] as const),
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

/** The filters as the hash keeps them (no limit; offset only past the first page). */
export function filtersToQuery(f: CaseFilters): string {
  const p = new URLSearchParams();
  for (const k of KEYS) {
    const v = String(f[k] ?? '').trim();
    if (v) p.set(k, v);
  }
  if (f.offset > 0) p.set('offset', String(f.offset));
  return p.toString();
}

/** The filters as the server gets them: the hash query plus the page size and offset. */
export function filtersToApiQuery(f: CaseFilters, limit = PAGE_SIZE): string {
  const p = new URLSearchParams(filtersToQuery({ ...f, offset: 0 }));
  p.set('limit', String(limit));
  p.set('offset', String(f.offset));
  return p.toString();
}

/** A from-date after the to-date returns nothing: the bar says so instead of sending it. */
export function dateRangeInverted(f: CaseFilters): boolean {
  return !!f.from && !!f.to && f.from > f.to;
}
