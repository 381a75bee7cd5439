// The enterprise register's filter bar <-> the query string (#/enterprises?q=…, GET /v1/enterprises?…).
import { offsetOf, oneOf, textOf, toApiQuery, toQuery } from '../listQuery';
import { RISKS } from './risk';

export interface EnterpriseFilters {
  /** Name, USCC or id (the server matches any). */
  q: string;
  /** Area code prefix. */
  area: string;
  /** Industry code. */
  industry: string;
  risk: '' | (typeof RISKS)[number];
  offset: number;
}

const KEYS = ['q', 'area', 'industry', 'risk'] as const;

export function emptyEnterpriseFilters(): EnterpriseFilters {
  return { q: '', area: '', industry: '', risk: '', offset: 0 };
}

export function enterpriseFiltersFromQuery(p: URLSearchParams): EnterpriseFilters {
  return {
    q: textOf(p.get('q')),
    area: textOf(p.get('area'), 12).replace(/\D/g, ''),
    industry: textOf(p.get('industry'), 20),
    risk: oneOf(p.get('risk'), RISKS),
    offset: offsetOf(p.get('offset')),
  };
}

export const enterpriseFiltersToQuery = (f: EnterpriseFilters) => toQuery(f, KEYS);
export const enterpriseFiltersToApiQuery = (f: EnterpriseFilters) => toApiQuery(f, KEYS);
