// Small formatters for values the pages show: distances, lists, answer values, origins.
import { t, tOr } from '../i18n';
import { NO_VALUE } from './time';

export function formatDistance(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return NO_VALUE;
  if (m >= 1000) return t('unit.km', { n: (m / 1000).toFixed(m >= 10000 ? 0 : 1) });
  return t('unit.m', { n: m < 10 ? Number(m.toFixed(1)) : Math.round(m) });
}

export function formatCoord(lat: number, lon: number): string {
  return `${lat.toFixed(6)}, ${lon.toFixed(6)}`;
}

export function joinList(items: (string | null | undefined)[]): string {
  const kept = items.filter((x): x is string => !!x);
  return kept.length ? kept.join(t('common.list_sep')) : NO_VALUE;
}

/**
 * A checklist answer's value in words: the tri-state and compliance words through the
 * catalogue, booleans as yes/no, `{number, present}` documents as "present (number)", other
 * objects as `key: value` pairs. Never throws on a shape it does not know.
 */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return NO_VALUE;
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no');
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return tOr(`value.${v}`, v);
  if (Array.isArray(v)) return joinList(v.map(formatValue));
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('present' in o && typeof o.present === 'boolean') {
      const word = t(o.present ? 'value.present' : 'value.absent');
      const rest = Object.entries(o).filter(([k]) => k !== 'present');
      if (!rest.length) return word;
      const detail = rest.map(([, x]) => formatValue(x)).join(t('common.list_sep'));
      return t('value.with_detail', { word, detail });
    }
    if ('value' in o && 'unit' in o) return `${formatValue(o.value)} ${String(o.unit)}`;
    return Object.entries(o)
      .map(([k, x]) => `${k}: ${formatValue(x)}`)
      .join(t('common.list_sep'));
  }
  return String(v);
}
