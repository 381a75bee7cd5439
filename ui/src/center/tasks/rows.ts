// What one row of the task list says and offers: source in words, team and officers, whether
// it is overdue, which actions make sense for its state.
import { t, tOr } from '../../lib/i18n';
import { joinList } from '../../lib/components/format';
import type { TaskListItem } from '../../lib/api/tasks';

/** Done and cancelled tasks are settled: no longer overdue, no longer reassignable. */
export function isSettled(task: Pick<TaskListItem, 'status'>): boolean {
  return task.status === 'done' || task.status === 'cancelled';
}

/** Due before today (a Beijing date, YYYY-MM-DD) and not settled. Due today is not late yet. */
export function isOverdue(task: Pick<TaskListItem, 'status' | 'due'>, today: string): boolean {
  return !isSettled(task) && !!task.due && task.due < today;
}

export function sourceText(source: string): string {
  return tOr(`task.source.${source}`, source);
}

export function officerNames(task: Pick<TaskListItem, 'officers'>): string {
  return joinList((task.officers ?? []).map((o) => o.name || o.id));
}

/**
 * A random-draw task must keep the officers the draw chose: proximity dispatch and
 * reassignment would defeat the randomness (domain.md §6.3, §7.4).
 */
export function canDispatchNearby(task: Pick<TaskListItem, 'source' | 'status'>): boolean {
  return task.source !== 'random_draw' && !isSettled(task);
}

export function canReassign(task: Pick<TaskListItem, 'source' | 'status'>): boolean {
  return task.source !== 'random_draw' && !isSettled(task);
}

export function canCancel(task: Pick<TaskListItem, 'status'>): boolean {
  return !isSettled(task);
}

export function statusText(status: string): string {
  return tOr(`task_status.${status}`, status);
}

/** "T1 · 张伟、李娜" — the team and who is on the task. */
export function teamLine(task: Pick<TaskListItem, 'team' | 'officers'>): string {
  const names = officerNames(task);
  return task.team ? t('tasks.team_line', { team: task.team, names }) : names;
}
