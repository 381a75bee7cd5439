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
