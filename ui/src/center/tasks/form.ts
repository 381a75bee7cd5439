// The new-task form's rules, kept out of the component so they are tested: which kinds a clerk
// creates here and what each needs, the two-officer rule, the due date, the id, the body.
import type { MessageKey } from '../../lib/i18n';
import type { NewTask, Procedure, Team, TeamMember } from '../../lib/api/tasks';
import { beijingStamp } from '../../lib/components/time';

/** Kinds made by hand here; random-draw tasks come from a draw, the rest from other systems. */
export const FORM_KINDS = ['complaint', 'special', 'lead', 'work_order', 'referral'] as const;
export type FormKind = (typeof FORM_KINDS)[number];

/** What a kind's reference and note mean, and which of them it cannot do without. */
export const KIND_RULES: Record<FormKind, { refRequired: boolean; noteRequired: boolean }> = {
  // 信访编号 and the complainant's words: what the visit must answer.
  complaint: { refRequired: true, noteRequired: true },
  // The campaign's name groups the visits in its report.
  special: { refRequired: true, noteRequired: false },
  // A lead is its description; a reference number is often not there yet.
  lead: { refRequired: false, noteRequired: true },
  work_order: { refRequired: true, noteRequired: false },
  referral: { refRequired: true, noteRequired: false },
};

export const PROCEDURES: readonly Procedure[] = ['inspection', 'verification'];

export interface TaskDraft {
  kind: FormKind;
  source_ref: string;
  note: string;
  enterprise_id: string;
  procedure: Procedure;
  team: string;
  officers: string[];
  due: string;
  needs_sampling: boolean;
  approved_by: string;
}

export function emptyDraft(enterpriseId = ''): TaskDraft {
  return {
    kind: 'complaint',
    source_ref: '',
    note: '',
    enterprise_id: enterpriseId,
    procedure: 'inspection',
    team: '',
    officers: [],
    due: '',
    needs_sampling: false,
    approved_by: '',
  };
}

/** The members a task can name: those with an officer id (the roster entry the device checks). */
export function assignable(team: Team | undefined): (TeamMember & { officer_id: string })[] {
  return (team?.members ?? []).filter((m): m is TeamMember & { officer_id: string } => !!m.officer_id);
}

/**
 * How many of the chosen count toward the procedure's minimum: an inspection needs two
 * enforcement officers (a grid worker does not count, domain.md §2.1); a verification by a
 * grid worker needs one person, of either kind.
 */
export function countedOfficers(draft: Pick<TaskDraft, 'procedure' | 'officers'>, team: Team | undefined): number {
  const chosen = assignable(team).filter((m) => draft.officers.includes(m.officer_id));
  return draft.procedure === 'inspection' ? chosen.filter((m) => m.role !== 'grid_worker').length : chosen.length;
}

export function minOfficers(procedure: Procedure): number {
  return procedure === 'inspection' ? 2 : 1;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What stops the form from being sent, as catalogue keys, in the order the form shows fields. */
export function taskProblems(draft: TaskDraft, team: Team | undefined, today: string): MessageKey[] {
  const out: MessageKey[] = [];
  const rules = KIND_RULES[draft.kind];
  if (rules.refRequired && !draft.source_ref.trim()) out.push(`task_form.need_ref.${draft.kind}` as MessageKey);
  if (rules.noteRequired && !draft.note.trim()) out.push(`task_form.need_note.${draft.kind}` as MessageKey);
  if (!draft.enterprise_id) out.push('task_form.need_enterprise');
  if (!draft.team) out.push('task_form.need_team');
  if (countedOfficers(draft, team) < minOfficers(draft.procedure)) {
    out.push(draft.procedure === 'inspection' ? 'task_form.rule.inspection' : 'task_form.rule.verification');
  }
  if (!DATE.test(draft.due)) out.push('task_form.need_due');
  else if (draft.due < today) out.push('task_form.due_past');
  return out;
}

/** `T-YYYYMMDD-HHMMSS-xyz`: Beijing time to the second plus three base-36 characters, so two
 * clerks dispatching in the same second still make different ids. */
export function newTaskId(nowMs: number = Date.now(), random: () => number = Math.random): string {
  const { date, time } = beijingStamp(nowMs);
  let tail = '';
  for (let i = 0; i < 3; i++) tail += Math.floor(random() * 36).toString(36);
  return `T-${date}-${time}-${tail}`;
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);

/** The one task `POST /v1/tasks` gets (inside an array). Officers keep the team's order. */
export function taskBody(draft: TaskDraft, id: string, team: Team | undefined): NewTask {
  const officers = assignable(team)
    .map((m) => m.officer_id)
    .filter((o) => draft.officers.includes(o));
  return {
    id,
    team: draft.team,
    source: draft.kind,
    source_ref: orNull(draft.source_ref),
    enterprise_id: draft.enterprise_id,
    procedure: draft.procedure,
    officers,
    due: draft.due,
    needs_sampling: draft.needs_sampling,
    note: orNull(draft.note),
    approved_by: orNull(draft.approved_by),
  };
}

/**
 * Reassigning a task: a team and the officers who go (the server writes both into the task, so
 * the devices of the new team see who is named). The same minimum as dispatching applies.
 */
export function reassignProblems(procedure: string, team: Team | undefined, officers: string[]): MessageKey[] {
  if (!team) return ['task_form.need_team'];
  const p: Procedure = procedure === 'verification' ? 'verification' : 'inspection';
  return countedOfficers({ procedure: p, officers }, team) < minOfficers(p)
    ? [p === 'inspection' ? 'task_form.rule.inspection' : 'task_form.rule.verification']
    : [];
}

export function reassignValue(team: Team, officers: string[]): { team: string; officers: string[] } {
  return {
    team: team.team,
    officers: assignable(team)
      .map((m) => m.officer_id)
      .filter((o) => officers.includes(o)),
  };
}
