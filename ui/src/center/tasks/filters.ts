// The task list's filter bar <-> the query string (#/tasks?status=…, and GET /v1/tasks?…).
import { TASK_SOURCES, TASK_STATUSES, type TaskSource, type TaskStatus } from '../../lib/api/tasks';
import { offsetOf, oneOf, textOf, toApiQuery, toQuery } from '../listQuery';

export interface TaskFilters {
  status: '' | TaskStatus;
  source: '' | TaskSource;
  team: string;
  /** Free text the server matches against the task id and the enterprise (id or name). */
  q: string;
  offset: number;
}

const KEYS = ['status', 'source', 'team', 'q'] as const;

export function emptyTaskFilters(): TaskFilters {
  return { status: '', source: '', team: '', q: '', offset: 0 };
}

export function taskFiltersFromQuery(p: URLSearchParams): TaskFilters {
  return {
    status: oneOf(p.get('status'), TASK_STATUSES),
    source: oneOf(p.get('source'), TASK_SOURCES),
    team: textOf(p.get('team')),
    q: textOf(p.get('q')),
    offset: offsetOf(p.get('offset')),
  };
}

export const taskFiltersToQuery = (f: TaskFilters) => toQuery(f, KEYS);
export const taskFiltersToApiQuery = (f: TaskFilters) => toApiQuery(f, KEYS);
