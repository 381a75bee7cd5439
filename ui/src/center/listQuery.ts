// Shared pieces of the list pages' filter bars (tasks, enterprises): the hash keeps the applied
// filters, the server gets the same string plus a page size. Values are checked on the way in,
// so a hand-edited hash cannot send the server a filter it does not know.

export const LIST_PAGE_SIZE = 50;

export function oneOf<T extends string>(v: string | null, allowed: readonly T[]): T | '' {
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : '';
}

export function textOf(v: string | null, max = 100): string {
  return (v ?? '').trim().slice(0, max);
}

export function offsetOf(v: string | null): number {
  const n = Number(v ?? '0');
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The non-empty filters in `keys` order (equal filters give equal strings), offset past page 1. */
export function toQuery<F extends { offset: number }>(f: F, keys: readonly (keyof F & string)[]): string {
  const p = new URLSearchParams();
  for (const k of keys) {
    const v = String(f[k] ?? '').trim();
    if (v) p.set(k, v);
  }
  if (f.offset > 0) p.set('offset', String(f.offset));
  return p.toString();
}

/** The same filters as the server gets them: plus the page size, offset always present. */
export function toApiQuery<F extends { offset: number }>(
  f: F,
  keys: readonly (keyof F & string)[],
  limit = LIST_PAGE_SIZE,
): string {
  const p = new URLSearchParams(toQuery({ ...f, offset: 0 }, keys));
  p.set('limit', String(limit));
  p.set('offset', String(f.offset));
  return p.toString();
}
