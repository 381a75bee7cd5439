// Enterprises (企业档案, 一企一档): the register, one enterprise's file, and importing a clerk's
// CSV or JSON. Shapes are the center API's.
import type { ApiClient } from './client';
import type { CaseListItem, Point } from './types';
import type { TaskListItem } from './tasks';

export type Risk = 'red' | 'yellow' | 'green';

/** One row of `GET /v1/enterprises`. */
export interface EnterpriseListItem {
  id: string;
  name: string;
  uscc: string;
  area: string;
  address: string;
  industry_codes: string[];
  risk: Risk | string | null;
  flags: string[];
  last_inspected: string | null;
  cases: number;
  findings: number;
}

export interface PermitLimit {
  item: string;
  param?: string | null;
  instance?: string | null;
  value: number;
  source: string;
}

export interface PastInspection {
  date: string;
  source: string;
  findings: string[];
}

/** The record as imported (crates/core/src/model/enterprise.rs), plus reasons when the server has them. */
export interface Enterprise {
  id: string;
  uscc: string;
  name: string;
  address: string;
  area: string;
  legal_rep?: string | null;
  location: Point | null;
  boundary?: Point[] | null;
  industry_codes?: string[];
  flags?: string[];
  permit_limits?: PermitLimit[];
  units?: Record<string, string[]>;
  risk?: Risk | string | null;
  risk_reasons?: string[] | null;
  past_inspections?: PastInspection[];
}

export interface EnterpriseFinding {
  case_id: string;
  date: string | null;
  item_id: string;
  question: string | null;
  finding: string;
  basis: { text: string }[];
}

/** `GET /v1/enterprises/{id}`. */
export interface EnterpriseFile {
  enterprise: Enterprise;
  cases: CaseListItem[];
  findings: EnterpriseFinding[];
  tasks: TaskListItem[];
}

export function listEnterprises(api: ApiClient, query: string): Promise<EnterpriseListItem[]> {
  return api.get<EnterpriseListItem[]>('/v1/enterprises', query);
}

export function getEnterprise(api: ApiClient, id: string): Promise<EnterpriseFile> {
  return api.get<EnterpriseFile>(`/v1/enterprises/${encodeURIComponent(id)}`);
}

/** A CSV goes as the file's bytes (the server reads UTF-8 or GBK); JSON as the parsed array. */
export async function importEnterprises(
  api: ApiClient,
  file: { kind: 'csv'; bytes: Blob } | { kind: 'json'; items: unknown[] },
): Promise<{ count: number; [extra: string]: unknown }> {
  const answer =
    file.kind === 'csv'
      ? await api.json<{ count: number }>('POST', '/v1/enterprises', {
          raw: { bytes: file.bytes, contentType: 'text/csv' },
        })
      : await api.json<{ count: number }>('POST', '/v1/enterprises', { body: file.items });
  return answer.data;
}
