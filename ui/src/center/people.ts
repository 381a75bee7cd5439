// Ops and answers name officers by id (O-ZHANG); people read names. The case's own team and
// credential showings carry both, so the page can say 张伟 where the record says O-ZHANG.
import type { CaseView } from '../lib/api/types';

export type Names = Map<string, string>;

export function namesOf(view: CaseView | null | undefined): Names {
  const m: Names = new Map();
  for (const p of view?.team ?? []) if (p.id && p.name) m.set(p.id, p.name);
  for (const c of view?.credentials ?? []) if (c.officer_id && c.name) m.set(c.officer_id, c.name);
  return m;
}

/** "张伟" for a known id, the id itself otherwise (a party's name is already a name). */
export function nameOf(names: Names, id: string | null | undefined): string {
  if (!id) return '';
  return names.get(id) ?? id;
}
