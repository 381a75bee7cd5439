// The checklist's small decisions, out of the components so tests can reach them: a row's key
// (for test ids and state), how a limit's origin is worded, the answer value a number pad's
// readings make, and which answers carry findings. The core judges; this only shapes input and words.
import { pick, t, tOr } from '../../lib/i18n';
import type { AppliedLimit } from '../api/bindings/AppliedLimit';
import type { ChecklistView } from '../api/bindings/ChecklistView';
import type { ItemRow } from '../api/bindings/ItemRow';
import type { Answer } from '../api/bindings/Answer';
import type { Finding } from '../api/bindings/Finding';
import type { SectionView } from '../api/bindings/SectionView';
import type { JsonValue } from '../api/bindings/serde_json/JsonValue';

/** `EP-05` or `PP-05-DW001`: the row's id in test ids and UI state. */
export function rowKey(r: Pick<ItemRow, 'item_id' | 'instance'>): string {
  return r.instance ? `${r.item_id}-${r.instance}` : r.item_id;
}

export function question(r: Pick<ItemRow, 'q_zh' | 'q_en'>): string {
  return pick({ zh: r.q_zh, en: r.q_en });
}

/** Where a limit comes from, in words: the permit, a special rule the enterprise falls under, or
 *  the form's default. */
export function sourceWords(l: Pick<AppliedLimit, 'source'>): string {
  if (l.source === 'permit') return t('field.procedure.num.source.permit');
  if (l.source === 'default') return t('field.procedure.num.source.default');
  if (l.source.startsWith('alt:')) {
    const flag = l.source.slice(4);
    return t('field.procedure.num.source.alt', { flag: tOr(`field.procedure.flag.${flag}`, flag) });
  }
  return l.source;
}

/** The parameters a number item is read per (总镉, 总铅…); empty for a single reading. */
export function numParams(r: Pick<ItemRow, 'limits'>): string[] {
  const out: string[] = [];
  for (const l of r.limits) if (l.param && !out.includes(l.param)) out.push(l.param);
  return out;
}

export type NumResult = { ok: true; value: JsonValue } | { ok: false; error: 'need_reading' | 'bad_number'; text?: string };

function reading(text: string): number | null {
  const s = text.trim().replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/**
 * The answer value from number-pad readings: a plain number for a single reading, an object
 * {param: number} for an item read per parameter (only the parameters measured: 按镀种选测).
 */
export function numValue(params: string[], readings: Record<string, string>): NumResult {
  if (!params.length) {
    const text = readings[''] ?? '';
    if (!text.trim()) return { ok: false, error: 'need_reading' };
    const n = reading(text);
    return n === null ? { ok: false, error: 'bad_number', text } : { ok: true, value: n };
  }
  const value: Record<string, number> = {};
  for (const p of params) {
    const text = readings[p] ?? '';
    if (!text.trim()) continue;
    const n = reading(text);
    if (n === null) return { ok: false, error: 'bad_number', text };
    value[p] = n;
  }
  if (!Object.keys(value).length) return { ok: false, error: 'need_reading' };
  return { ok: true, value };
}

/** The readings a previous answer leaves in the pad (so a correction starts from it). */
export function readingsOf(params: string[], answer: Answer | null | undefined): Record<string, string> {
  const v = answer?.value;
  if (!params.length) return { '': typeof v === 'number' ? String(v) : '' };
  const out: Record<string, string> = {};
  const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, JsonValue | undefined>) : {};
  for (const p of params) out[p] = typeof o[p] === 'number' ? String(o[p]) : '';
  return out;
}

export function isAnswered(r: ItemRow): boolean {
  return !!r.answer;
}

export function sectionProgress(s: SectionView): { answered: number; total: number } {
  return { answered: s.rows.filter(isAnswered).length, total: s.rows.length };
}

export interface FindingEntry {
  key: string;
  row: ItemRow;
  answer: Answer;
  finding: Finding;
}

/** Every answer that is a violation, in checklist order. */
export function findings(view: ChecklistView | null): FindingEntry[] {
  if (!view) return [];
  return view.sections.flatMap((s) =>
    s.rows.flatMap((row) =>
      row.answer?.finding ? [{ key: rowKey(row), row, answer: row.answer, finding: row.answer.finding }] : [],
    ),
  );
}

/** A value as it appears in a test id (options are data and may hold spaces). */
export function testValue(v: string): string {
  return v.replace(/\s+/g, '_');
}
