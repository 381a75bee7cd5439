// The nearest-officer list (就近派单) as the panel shows it: the radius choices, rows by
// distance, and why an officer is excluded. The server ranks by straight-line distance from the
// last position an officer's device reported; the panel shows that position's age, because a
// position from yesterday says little about where someone is now.
import { t, tOr } from '../../lib/i18n';
import type { NearestAnswer, NearestOfficer } from '../../lib/api/tasks';

export const RADII_M = [1000, 3000, 5000, 10000] as const;
export const DEFAULT_RADIUS_M = 3000;

export function radiusOf(v: string | number | null | undefined): number {
  const n = Number(v);
  return (RADII_M as readonly number[]).includes(n) ? n : DEFAULT_RADIUS_M;
}

/** By distance (nearest first, unknown last); ties by fewer open tasks, then name. */
export function nearestRows(answer: Pick<NearestAnswer, 'officers'>): NearestOfficer[] {
  const d = (o: NearestOfficer) => (o.distance_m ?? Number.POSITIVE_INFINITY);
  return [...(answer.officers ?? [])].sort(
    (a, b) => d(a) - d(b) || (a.open_tasks ?? 0) - (b.open_tasks ?? 0) || a.name.localeCompare(b.name),
  );
}

export function excludedText(reason: string | null | undefined, detail?: string | null): string | null {
  if (!reason) return null;
  const word = tOr(`nearest.excluded.${reason}`, t('nearest.excluded.other', { reason }));
  return detail ? t('draw.reason_detail', { word, detail }) : word;
}

export function availableCount(answer: Pick<NearestAnswer, 'officers'>): number {
  return (answer.officers ?? []).filter((o) => !o.excluded).length;
}
