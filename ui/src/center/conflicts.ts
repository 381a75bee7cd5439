// How a conflict is described: the field and reason in words, who wrote each side (a device or
// `center:<user>`), when (the HLC's wall-clock part), and the value in words.
import { t, tOr } from '../lib/i18n';
import { formatValue } from '../lib/components/format';
import { hlcMs } from '../lib/components/time';
import type { Conflict } from '../lib/api/types';

export function fieldLabel(field: string): string {
  return tOr(`conflict.field.${field}`, field);
}

export function reasonLabel(reason: string): string {
  return tOr(`conflict.reason.${reason}`, reason);
}

export function entityLabel(c: Pick<Conflict, 'entity' | 'entity_id'>): string {
  return tOr(`conflict.entity.${c.entity}`, `${c.entity} ${c.entity_id}`, { id: c.entity_id });
}

export interface Origin {
  center: boolean;
  /** The center user id, or the device id. */
  who: string;
}

export function parseOrigin(origin: string): Origin {
  return origin.startsWith('center:')
    ? { center: true, who: origin.slice('center:'.length) }
    : { center: false, who: origin };
}

export function originLabel(origin: string): string {
  const o = parseOrigin(origin);
  return o.center ? t('conflict.origin.center', { who: o.who }) : t('conflict.origin.device', { id: o.who });
}

/** A side's value in words: a task status through the catalogue, anything else generically. */
export function sideValue(field: string, value: unknown): string {
  if (field === 'status' && typeof value === 'string') return tOr(`task_status.${value}`, value);
  return formatValue(value);
}

export { hlcMs };

/** The resolve form's own check, before anything is sent. */
export function resolveProblem(resolution: string, note: string): 'choose' | 'note' | null {
  if (resolution !== 'keep' && resolution !== 'take_other') return 'choose';
  if (!note.trim()) return 'note';
  return null;
}
