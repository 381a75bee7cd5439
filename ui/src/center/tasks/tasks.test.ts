import { describe, expect, it } from 'vitest';
import type { Team } from '../../lib/api/tasks';
import { isConflict } from '../../lib/api/tasks';
import { emptyTaskFilters, taskFiltersFromQuery, taskFiltersToApiQuery, taskFiltersToQuery } from './filters';
import { canCancel, canDispatchNearby, canReassign, isOverdue, teamLine } from './rows';
import { countedOfficers, emptyDraft, newTaskId, reassignProblems, reassignValue, taskBody, taskProblems, type TaskDraft } from './form';

const team: Team = {
  team: 'T1',
  members: [
    { user_id: 'U-ZHANG', name: '张伟', role: 'inspector', officer_id: 'O-ZHANG' },
    { user_id: 'U-LI', name: '李娜', role: 'inspector', officer_id: 'O-LI' },
    { user_id: 'U-GRID', name: '王小明', role: 'grid_worker', officer_id: 'G-WANG' },
    { user_id: 'U-CLERK', name: '王芳', role: 'center_staff', officer_id: null },
  ],
};

describe('task filters', () => {
  it('round-trips through the hash and refuses unknown values', () => {
    const f = taskFiltersFromQuery(new URLSearchParams('status=done&source=complaint&team=T1&q=%E7%94%B5%E9%95%80&offset=50'));
    expect(f).toEqual({ status: 'done', source: 'complaint', team: 'T1', q: '电镀', offset: 50 });
    expect(taskFiltersToQuery(f)).toBe('status=done&source=complaint&team=T1&q=%E7%94%B5%E9%95%80&offset=50');
    expect(taskFiltersToApiQuery(f)).toBe('status=done&source=complaint&team=T1&q=%E7%94%B5%E9%95%80&limit=50&offset=50');
    expect(taskFiltersFromQuery(new URLSearchParams('status=lost&source=rumour&offset=-3'))).toEqual(emptyTaskFilters());
  });
});

describe('task rows', () => {
  const row = { status: 'dispatched', due: '2026-11-20', source: 'complaint', team: 'T1', officers: [{ id: 'O-ZHANG', name: '张伟' }, { id: 'O-LI', name: '' }] };

  it('is overdue only before today and only while not settled', () => {
    expect(isOverdue(row, '2026-11-21')).toBe(true);
    expect(isOverdue(row, '2026-11-20')).toBe(false);
    expect(isOverdue({ ...row, status: 'done' }, '2026-12-01')).toBe(false);
    expect(isOverdue({ ...row, status: 'cancelled' }, '2026-12-01')).toBe(false);
  });

  it('keeps random-draw tasks out of nearby dispatch and reassignment', () => {
    expect(canDispatchNearby(row)).toBe(true);
    expect(canDispatchNearby({ ...row, source: 'random_draw' })).toBe(false);
    const drawn = { ...row, source: 'random_draw' };
    expect(canReassign(drawn)).toBe(false);
    expect(canCancel(drawn)).toBe(true);
    expect(canCancel({ status: 'done' })).toBe(false);
  });

  it('names the team and officers (id when the name is missing)', () => {
    expect(teamLine(row)).toBe('T1 · 张伟、O-LI');
    expect(teamLine({ team: null, officers: [] })).toBe('—');
  });

  it('reads both PATCH answer shapes', () => {
    expect(isConflict({ outcome: 'conflict' })).toBe(true);
    expect(isConflict({ outcome: 'applied', conflict: 'x' })).toBe(false);
    expect(isConflict({ written: false, conflict: 'C-1' })).toBe(true);
    expect(isConflict({ written: true })).toBe(false);
  });
});

describe('new task form', () => {
  const good = (): TaskDraft => ({
    ...emptyDraft('E-1'),
    kind: 'complaint',
    source_ref: 'XF-2026-1123',
    note: '夜间有刺鼻气味',
    team: 'T1',
    officers: ['O-LI', 'O-ZHANG'],
    due: '2026-11-25',
  });

  it('accepts a complete complaint', () => {
    expect(taskProblems(good(), team, '2026-11-23')).toEqual([]);
  });

  it('names what is missing, in the order of the form', () => {
    const d = { ...emptyDraft(), due: '2026-11-01' };
    expect(taskProblems(d, team, '2026-11-23')).toEqual([
      'task_form.need_ref.complaint',
      'task_form.need_note.complaint',
      'task_form.need_enterprise',
      'task_form.need_team',
      'task_form.rule.inspection',
      'task_form.due_past',
    ]);
    expect(taskProblems({ ...good(), due: '' }, team, '2026-11-23')).toEqual(['task_form.need_due']);
  });

  it('asks per kind: a campaign needs its name, a lead its description', () => {
    expect(taskProblems({ ...good(), kind: 'special', source_ref: '', note: '' }, team, '2026-11-23')).toEqual(['task_form.need_ref.special']);
    expect(taskProblems({ ...good(), kind: 'lead', source_ref: '', note: ' ' }, team, '2026-11-23')).toEqual(['task_form.need_note.lead']);
  });

  it('needs two officers for an inspection, a grid worker not counting; one person for a verification', () => {
    const withGrid = { ...good(), officers: ['O-ZHANG', 'G-WANG'] };
    expect(countedOfficers(withGrid, team)).toBe(1);
    expect(taskProblems(withGrid, team, '2026-11-23')).toEqual(['task_form.rule.inspection']);
    const verify = { ...good(), procedure: 'verification' as const, officers: ['G-WANG'] };
    expect(taskProblems(verify, team, '2026-11-23')).toEqual([]);
    expect(taskProblems({ ...verify, officers: [] }, team, '2026-11-23')).toEqual(['task_form.rule.verification']);
    // An officer id not in the chosen team does not count (left over from another team).
    expect(countedOfficers({ ...good(), officers: ['O-ELSEWHERE', 'O-ZHANG'] }, team)).toBe(1);
  });

  it('makes ids from Beijing time plus three base-36 characters', () => {
    const ms = Date.parse('2026-11-23T01:02:03Z');
    expect(newTaskId(ms, () => 0.5)).toBe('T-20261123-090203-iii');
    expect(newTaskId(ms, () => 0.999)).toMatch(/^T-20261123-090203-zzz$/);
    expect(newTaskId()).toMatch(/^T-\d{8}-\d{6}-[0-9a-z]{3}$/);
  });

  it('builds the body: trimmed, nulls for empty, officers in team order and only from the team', () => {
    const d = { ...good(), officers: ['O-LI', 'O-ELSEWHERE', 'O-ZHANG'], approved_by: '  ', note: ' 夜间 ' };
    expect(taskBody(d, 'T-1', team)).toEqual({
      id: 'T-1',
      team: 'T1',
      source: 'complaint',
      source_ref: 'XF-2026-1123',
      enterprise_id: 'E-1',
      procedure: 'inspection',
      officers: ['O-ZHANG', 'O-LI'],
      due: '2026-11-25',
      needs_sampling: false,
      note: '夜间',
      approved_by: null,
    });
  });
});

describe('reassigning', () => {
  it('needs a team and enough of its officers for the procedure', () => {
    expect(reassignProblems('inspection', undefined, [])).toEqual(['task_form.need_team']);
    expect(reassignProblems('inspection', team, ['O-ZHANG', 'G-WANG'])).toEqual(['task_form.rule.inspection']);
    expect(reassignProblems('inspection', team, ['O-ZHANG', 'O-LI'])).toEqual([]);
    expect(reassignProblems('verification', team, ['G-WANG'])).toEqual([]);
  });

  it('sends the team and its chosen officers in team order', () => {
    expect(reassignValue(team, ['O-LI', 'O-ELSEWHERE', 'O-ZHANG'])).toEqual({ team: 'T1', officers: ['O-ZHANG', 'O-LI'] });
  });
});
