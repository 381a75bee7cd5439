// The center API, one function per call, typed. Paths are the server's (sync-server/app.rs).
import { nextLink, type ApiClient } from './client';
import type {
  Alert,
  CaseDetail,
  CaseListItem,
  Conflict,
  EnrollRequest,
  EnrollResponse,
  Resolution,
  ReviewState,
} from './types';

/** `GET /v1/cases?…`; `query` is the filter bar's query string (see center/filters.ts). */
export function listCases(api: ApiClient, query: string): Promise<CaseListItem[]> {
  return api.get<CaseListItem[]>('/v1/cases', query);
}

export function getCase(api: ApiClient, id: string): Promise<CaseDetail> {
  return api.get<CaseDetail>(`/v1/cases/${encodeURIComponent(id)}`);
}

/** Moves a case's review; the answer is the updated list row. */
export function reviewCase(
  api: ApiClient,
  id: string,
  state: ReviewState,
  note: string,
): Promise<CaseListItem> {
  return api.post<CaseListItem>(`/v1/cases/${encodeURIComponent(id)}/review`, { state, note });
}

export interface ConflictPage {
  items: Conflict[];
  /** The URL of the next page (from the Link header), null on the last one. */
  next: string | null;
}

/** One page of conflicts; `from` is a `next` URL of an earlier page, else the first page. */
export async function listConflicts(
  api: ApiClient,
  open: boolean,
  from: string | null = null,
  limit = 50,
): Promise<ConflictPage> {
  const answer = from
    ? await api.json<Conflict[]>('GET', from)
    : await api.json<Conflict[]>('GET', '/v1/conflicts', { query: { open, limit } });
  return { items: answer.data, next: nextLink(answer.headers.get('Link')) };
}

export function resolveConflict(
  api: ApiClient,
  id: string,
  resolution: Resolution,
  note: string,
): Promise<Conflict> {
  return api.post<Conflict>(`/v1/conflicts/${encodeURIComponent(id)}/resolve`, {
    resolution,
    note,
  });
}

export function listAlerts(api: ApiClient): Promise<Alert[]> {
  return api.get<Alert[]>('/v1/alerts');
}

/** Enrollment carries no token: the one-time code is the credential. */
export function enroll(api: ApiClient, req: EnrollRequest): Promise<EnrollResponse> {
  return api.post<EnrollResponse>('/v1/enroll', req, true);
}
