// The draw record a POST just answered, kept for the detail page it opens: the page shows it
// at once and still fetches the stored record (which is what an auditor would see).
import type { DrawRecord } from '../../lib/api/draws';

const recent = new Map<string, DrawRecord>();

export function remember(d: DrawRecord): void {
  recent.set(d.id, d);
}

export function recalled(id: string): DrawRecord | null {
  return recent.get(id) ?? null;
}
