// Double-random draws (双随机抽查): the list, a new draw (trial or with tasks), one draw's
// record, and its re-run check. Shapes are the center API's.
import type { ApiClient } from './client';
import type { OfficerRef } from './types';

export type RiskColour = 'red' | 'yellow' | 'green';

/** One row of `GET /v1/draws`. */
export interface DrawSummary {
  id: string;
  name: string;
  year: number;
  created_at_ms: number;
  operator: string;
  /** The operator's name, when a center user ran the draw. */
  operator_name?: string | null;
  supervisor: string;
  seed_sha256: string;
  ratio: number;
  count_drawn: number;
  tasks_created: boolean;
}

/** The body of `POST /v1/draws`. */
export interface DrawRequest {
  name: string;
  year: number;
  area: string;
  industries: string[];
  flags: string[];
  risks: RiskColour[];
  ratio_percent: number;
  officers_per_object: number;
  annual_cap: number | null;
  supervisor: string;
  due: string;
  procedure: 'inspection';
  seed: string;
  create_tasks: boolean;
}

export interface ExcludedOfficer {
  id: string;
  name: string;
  reason: 'recusal' | 'no_valid_credential' | 'no_team' | string;
  detail: string | null;
}

export interface DrawnObject {
  order: number;
  enterprise_id: string;
  name: string;
  area: string;
  officers: OfficerRef[];
  excluded_officers: ExcludedOfficer[];
  task_id: string | null;
}

export interface ExcludedObject {
  enterprise_id: string;
  name: string;
  reason: 'annual_cap' | string;
  detail: string | null;
}

/** A draw's record: the answer of `POST /v1/draws` and of `GET /v1/draws/{id}`. */
export interface DrawRecord {
  id: string;
  name: string;
  year: number;
  algorithm: string;
  seed: string;
  seed_sha256: string;
  pool_sha256: string;
  officer_pool_sha256: string;
  inputs: Partial<DrawRequest> & Record<string, unknown>;
  /** The cap applied (the plan's, or the server's default when the plan gave none). */
  annual_cap?: number | null;
  operator: string;
  /** The operator's name, when a center user ran the draw. */
  operator_name?: string | null;
  supervisor: string;
  created_at_ms: number;
  pool_size: number;
  excluded_objects: ExcludedObject[];
  drawn: DrawnObject[];
  tasks_created: boolean;
}

export interface DrawVerification {
  reproduced: boolean;
  drawn: DrawnObject[];
}

export function listDraws(api: ApiClient): Promise<DrawSummary[]> {
  return api.get<DrawSummary[]>('/v1/draws');
}

export function createDraw(api: ApiClient, req: DrawRequest): Promise<DrawRecord> {
  return api.post<DrawRecord>('/v1/draws', req);
}

export function getDraw(api: ApiClient, id: string): Promise<DrawRecord> {
  return api.get<DrawRecord>(`/v1/draws/${encodeURIComponent(id)}`);
}

export function verifyDraw(api: ApiClient, id: string): Promise<DrawVerification> {
  return api.get<DrawVerification>(`/v1/draws/${encodeURIComponent(id)}/verify`);
}
