// Officers excluded from a draw for a reason that holds for every object (an expired
// credential, no team) would repeat on every row; they are listed once above the result and
// each row keeps only what is particular to it (a recusal from that one enterprise).
import type { DrawnObject, ExcludedOfficer } from '../../lib/api/draws';

const key = (x: ExcludedOfficer) => `${x.id}\u0000${x.reason}\u0000${x.detail ?? ''}`;

export function splitExclusions(rows: DrawnObject[]): {
  everywhere: ExcludedOfficer[];
  perRow: Map<number, ExcludedOfficer[]>;
} {
  const perRow = new Map<number, ExcludedOfficer[]>();
  if (rows.length < 2) {
    for (const r of rows) perRow.set(r.order, r.excluded_officers ?? []);
    return { everywhere: [], perRow };
  }
  const counts = new Map<string, number>();
  for (const r of rows) {
    for (const k of new Set((r.excluded_officers ?? []).map(key))) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const common = new Set([...counts].filter(([, n]) => n === rows.length).map(([k]) => k));
  const everywhere = (rows[0].excluded_officers ?? []).filter((x) => common.has(key(x)));
  for (const r of rows) perRow.set(r.order, (r.excluded_officers ?? []).filter((x) => !common.has(key(x))));
  return { everywhere, perRow };
}
