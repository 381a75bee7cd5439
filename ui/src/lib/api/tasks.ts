// Tasks (任务派发): the list, dispatching new ones, reassigning or cancelling one, the teams a
// task can go to, and the nearest officers (就近派单). Shapes are the center API's.
import type { ApiClient } from './client';
import type { OfficerRef } from './types';

export type TaskStatus = 'dispatched' | 'in_progress' | 'done' | 'cancelled';
export const TASK_STATUSES: readonly TaskStatus[] = ['dispatched', 'in_progress', 'done', 'cancelled'];

/** 任务来源, the Rust enum's snake_case names (crates/core/src/model/task.rs). */
export const TASK_SOURCES = [
  'random_draw',
  'work_order',
  'complaint',
  'special',
  'upper_special',
  'recheck',
  'referral',
  'permit_followup',
  'patrol',
  'lead',
] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

export type Procedure = 'inspection' | 'verification';

/** One row of `GET /v1/tasks`. */
export interface TaskListItem {
  id: string;
  source: TaskSource | string;
  source_ref: string | null;
  enterprise_id: string;
  enterprise_name: string | null;
  procedure: Procedure | string;
  officers: OfficerRef[];
  team: string | null;
  due: string;
  needs_sampling: boolean;
  note: string | null;
  status: TaskStatus | string;
  status_hlc: string | null;
  /** A team id or `{team, officers}`: the server's shared field, shown through `team`. */
  assignment?: unknown;
  draw_id: string | null;
  case_ids: string[];
  /** The change-log version of the task, when the server sends it (the `seen` of a PATCH). */
  version?: number | null;
}

/** One element of the array `POST /v1/tasks` takes. */
export interface NewTask {
  id: string;
  team: string;
  source: TaskSource;
  source_ref: string | null;
  enterprise_id: string;
  procedure: Procedure;
  officers: string[];
  due: string;
  needs_sampling: boolean;
  note: string | null;
  approved_by: string | null;
}

export interface TeamMember {
  user_id: string;
  name: string;
  role: string;
  officer_id: string | null;
}

export interface Team {
  team: string;
  members: TeamMember[];
}

/** The answer of `PATCH /v1/tasks/{id}`. Older servers say `{written, conflict}` instead of `outcome`. */
export interface PatchAnswer {
  outcome?: 'applied' | 'conflict' | string;
  written?: boolean;
  conflict?: string | null;
  task?: TaskListItem | null;
  [extra: string]: unknown;
}

export interface NearestOfficer {
  officer_id: string;
  name: string;
  team: string | null;
  distance_m: number | null;
  position: { lat: number; lon: number; accuracy_m: number | null; at: string } | null;
  open_tasks: number;
  excluded: 'recusal' | string | null;
  /** Why, in the record's words (the declared relation), when the server says. */
  excluded_detail?: string | null;
}

export interface NearestAnswer {
  radius_m: number;
  enterprise: { id: string; name: string; location: { lat: number; lon: number } | null };
  officers: NearestOfficer[];
}

/**
 * The `seen` of a PATCH when the page does not know the task's version: the largest integer a
 * JSON number carries exactly, i.e. "I have seen everything" — the write then wins unless the
 * field changed concurrently in a way the server records as a conflict anyway.
 */
export const SEEN_UNKNOWN = Number.MAX_SAFE_INTEGER;

export function listTasks(api: ApiClient, query: string): Promise<TaskListItem[]> {
  return api.get<TaskListItem[]>('/v1/tasks', query);
}

export function createTasks(api: ApiClient, tasks: NewTask[]): Promise<{ count: number; version: number }> {
  return api.post<{ count: number; version: number }>('/v1/tasks', tasks);
}

export function patchTask(
  api: ApiClient,
  id: string,
  field: 'assignment' | 'status',
  value: unknown,
  seen: number | null | undefined,
): Promise<PatchAnswer> {
  return api.patch<PatchAnswer>(`/v1/tasks/${encodeURIComponent(id)}`, {
    field,
    value,
    seen: seen ?? SEEN_UNKNOWN,
  });
}

export function listTeams(api: ApiClient): Promise<Team[]> {
  return api.get<Team[]>('/v1/teams');
}

export function nearestOfficers(api: ApiClient, id: string, radiusM: number): Promise<NearestAnswer> {
  return api.get<NearestAnswer>(`/v1/tasks/${encodeURIComponent(id)}/nearest`, { radius_m: radiusM });
}

/** Whether a PATCH answer says the write lost to a concurrent one (and became a conflict). */
export function isConflict(a: PatchAnswer): boolean {
  if (a.outcome) return a.outcome === 'conflict';
  return !!a.conflict;
}
