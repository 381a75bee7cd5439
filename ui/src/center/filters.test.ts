import { describe, expect, it } from 'vitest';
import {
  dateRangeInverted,
  emptyFilters,
  filtersFromQuery,
  filtersToApiQuery,
  filtersToQuery,
} from './filters';

describe('case filters <-> query string', () => {
  it('writes only the filters that are set, in a stable order', () => {
    const f = { ...emptyFilters(), complete: 'false' as const, status: 'closed' as const, officer: ' O-ZHANG ' };
    expect(filtersToQuery(f)).toBe('status=closed&officer=O-ZHANG&complete=false');
    expect(filtersToQuery(emptyFilters())).toBe('');
  });

  it('round-trips every filter through the hash', () => {
    const f = {
      status: 'open' as const,
      review: 'under_review' as const,
      enterprise: '示范电镀',
      officer: 'O-LI',
      from: '2026-11-01',
      to: '2026-11-30',
      has_findings: 'true' as const,
      complete: 'true' as const,
      offset: 100,
    };
    expect(filtersFromQuery(filtersToQuery(f))).toEqual(f);
  });

  it('encodes Chinese enterprise names for the URL', () => {
    const q = filtersToQuery({ ...emptyFilters(), enterprise: '示范 电镀&' });
    expect(q).toBe('enterprise=%E7%A4%BA%E8%8C%83+%E7%94%B5%E9%95%80%26');
    expect(filtersFromQuery(q).enterprise).toBe('示范 电镀&');
  });

  it('drops values the server does not know (a hand-edited hash)', () => {
    const f = filtersFromQuery('status=deleted&review=maybe&from=2026-13-45&to=yesterday&has_findings=1&complete=yes&offset=-5');
    expect(f).toEqual(emptyFilters());
  });

  it('gives the server the page size and offset', () => {
    const f = { ...filtersFromQuery('review=returned&offset=50') };
    expect(filtersToApiQuery(f)).toBe('review=returned&limit=50&offset=50');
    expect(filtersToApiQuery(emptyFilters(), 20)).toBe('limit=20&offset=0');
  });

  it('notices a from-date after the to-date', () => {
    expect(dateRangeInverted({ ...emptyFilters(), from: '2026-12-01', to: '2026-11-01' })).toBe(true);
    expect(dateRangeInverted({ ...emptyFilters(), from: '2026-11-01', to: '2026-11-01' })).toBe(false);
  });
});
