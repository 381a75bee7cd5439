import { describe, expect, it } from 'vitest';
import { hrefFor, parseHash } from './router';

describe('hash router', () => {
  it('maps every page', () => {
    expect(parseHash('').name).toBe('cases');
    expect(parseHash('#/').name).toBe('cases');
    expect(parseHash('#/signin').name).toBe('signin');
    expect(parseHash('#/conflicts').name).toBe('conflicts');
    expect(parseHash('#/alerts/').name).toBe('alerts');
    expect(parseHash('#/nowhere').name).toBe('notfound');
    expect(parseHash('#/cases/a/b').name).toBe('notfound');
  });

  it('reads the case id and the query', () => {
    const r = parseHash('#/cases/01a205ea-d208-76ee-ad89-2a62297dbe72?tab=evidence');
    expect(r).toMatchObject({ name: 'case', id: '01a205ea-d208-76ee-ad89-2a62297dbe72' });
    expect(r.query.get('tab')).toBe('evidence');
    expect(parseHash('#/cases?status=closed&review=returned').query.get('review')).toBe('returned');
  });

  it('builds hashes that parse back', () => {
    expect(hrefFor('cases', 'status=closed')).toBe('#/cases?status=closed');
    expect(hrefFor('conflicts')).toBe('#/conflicts');
    const h = hrefFor({ case: 'a/b c' }, new URLSearchParams({ tab: 'timeline' }));
    expect(h).toBe('#/cases/a%2Fb%20c?tab=timeline');
    expect(parseHash(h)).toMatchObject({ name: 'case', id: 'a/b c' });
  });
});

describe('hash router: dispatch pages', () => {
  it('maps the task, draw and enterprise pages', () => {
    expect(parseHash('#/tasks').name).toBe('tasks');
    expect(parseHash('#/tasks/new?enterprise=E-1')).toMatchObject({ name: 'task_new' });
    expect(parseHash('#/tasks/new?enterprise=E-1').query.get('enterprise')).toBe('E-1');
    expect(parseHash('#/tasks/T-1').name).toBe('notfound');
    expect(parseHash('#/draws').name).toBe('draws');
    expect(parseHash('#/draws/new').name).toBe('draw_new');
    expect(parseHash('#/draws/D-2026-4')).toMatchObject({ name: 'draw', id: 'D-2026-4' });
    expect(parseHash('#/enterprises').name).toBe('enterprises');
    expect(parseHash('#/enterprises/E%2F1')).toMatchObject({ name: 'enterprise', id: 'E/1' });
    expect(parseHash('#/enterprises/new')).toMatchObject({ name: 'enterprise', id: 'new' });
    expect(parseHash('#/draws/%E0%A4%A').name).toBe('notfound');
  });

  it('builds their hashes', () => {
    expect(hrefFor('task_new', 'enterprise=E-1')).toBe('#/tasks/new?enterprise=E-1');
    expect(hrefFor('draw_new')).toBe('#/draws/new');
    expect(hrefFor({ draw: 'D 1' })).toBe('#/draws/D%201');
    expect(hrefFor({ enterprise: 'E-1' })).toBe('#/enterprises/E-1');
    expect(parseHash(hrefFor({ draw: 'new/x' }))).toMatchObject({ name: 'draw', id: 'new/x' });
  });
});
