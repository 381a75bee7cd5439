// The new-draw form's rules (tested apart from the component): the seed, the lists typed as
// text, what must be there before a draw is sent, and the request body.
import type { MessageKey } from '../../lib/i18n';
import type { DrawRequest, RiskColour } from '../../lib/api/draws';

export interface DrawDraft {
  name: string;
  year: string;
  area: string;
  /** Comma (or 、 or space) separated, as a clerk types them. */
  industries: string;
  flags: string;
  risks: RiskColour[];
  ratio_percent: string;
  officers_per_object: string;
  /** Empty: the server's configured cap. */
  annual_cap: string;
  supervisor: string;
  due: string;
  seed: string;
}

export function emptyDrawDraft(year: number): DrawDraft {
  return {
    name: '',
    year: String(year),
    area: '',
    industries: '',
    flags: '',
    risks: [],
    ratio_percent: '',
    officers_per_object: '2',
    annual_cap: '',
    supervisor: '',
    due: '',
    seed: '',
  };
}

export const SEED_BYTES = 16;

/**
 * 32 hex characters from the browser's cryptographic generator. The seed decides the draw, so
 * it must not come from Math.random (predictable) nor be chosen by hand without a record: the
 * draw keeps it and its hash, and the check re-runs the draw from them.
 */
export function randomSeed(fill: (a: Uint8Array) => Uint8Array = (a) => crypto.getRandomValues(a)): string {
  const bytes = fill(new Uint8Array(SEED_BYTES));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The SHA-256 of the seed as the server records it (hex of the seed's UTF-8 bytes). */
export async function seedHash(seed: string): Promise<string | null> {
  if (!seed || !globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(seed));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** "C3360, C3340、C2614 " → ["C3360", "C3340", "C2614"]: commas of either width, 、, spaces. */
export function parseList(s: string): string[] {
  const seen = new Set<string>();
  for (const part of s.split(/[\s,\uff0c\u3001;\uff1b]+/)) {
    const v = part.trim();
    if (v) seen.add(v);
  }
  return [...seen];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const intIn = (s: string, min: number, max: number) => {
  const n = Number(s.trim());
  return s.trim() !== '' && Number.isInteger(n) && n >= min && n <= max;
};

/** What stops the draw from being sent, as catalogue keys, in the form's order. */
export function drawProblems(d: DrawDraft, today: string): MessageKey[] {
  const out: MessageKey[] = [];
  if (!d.name.trim()) out.push('draw_form.need_name');
  if (!intIn(d.year, 2000, 2100)) out.push('draw_form.need_year');
  if (!/^\d{2,12}$/.test(d.area.trim())) out.push('draw_form.need_area');
  if (!intIn(d.ratio_percent, 1, 100)) out.push('draw_form.need_ratio');
  if (!intIn(d.officers_per_object, 2, 10)) out.push('draw_form.need_officers');
  if (d.annual_cap.trim() && !intIn(d.annual_cap, 1, 365)) out.push('draw_form.need_cap');
  if (!d.supervisor.trim()) out.push('draw_form.need_supervisor');
  // A trial creates no tasks but records the same inputs as the real draw it rehearses.
  if (!DATE.test(d.due)) out.push('draw_form.need_due');
  else if (d.due < today) out.push('draw_form.due_past');
  if (d.seed.trim().length < 16) out.push('draw_form.need_seed');
  return out;
}

export function drawBody(d: DrawDraft, createTasks: boolean): DrawRequest {
  return {
    name: d.name.trim(),
    year: Number(d.year),
    area: d.area.trim(),
    industries: parseList(d.industries),
    flags: parseList(d.flags),
    risks: [...d.risks],
    ratio_percent: Number(d.ratio_percent),
    officers_per_object: Number(d.officers_per_object),
    annual_cap: d.annual_cap.trim() ? Number(d.annual_cap) : null,
    supervisor: d.supervisor.trim(),
    due: d.due,
    procedure: 'inspection',
    seed: d.seed.trim(),
    create_tasks: createTasks,
  };
}
