// Small formatters for the field app's screens: distances, byte counts, days until a due date.
import { t } from '../../lib/i18n';

export const NO_VALUE = '—';

/** Metres below 1 km ("850 米"), kilometres with one decimal above ("1.2 公里"), "—" without a fix. */
export function formatDistance(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m) || m < 0) return NO_VALUE;
  if (m >= 1000) return t('field.shell.unit.km', { n: (m / 1000).toFixed(m >= 100_000 ? 0 : 1) });
  return t('field.shell.unit.m', { n: Math.round(m) });
}

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'];

/** Binary multiples with one decimal ("1.2 MB"); plain bytes below 1 KB. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return NO_VALUE;
  if (n < 1024) return `${Math.round(n)} B`;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${BYTE_UNITS[i]}`;
}

/** How a due date stands: days left, due today, or days overdue. */
export function formatDaysLeft(daysLeft: number, overdue: boolean): string {
  if (overdue || daysLeft < 0) return t('field.shell.days.overdue', { n: Math.max(1, Math.abs(daysLeft)) });
  if (daysLeft === 0) return t('field.shell.days.today');
  return t('field.shell.days.left', { n: daysLeft });
}
