// Times on screen. Records are legal documents made in Beijing time (the transcripts print it),
// so the pages show Asia/Shanghai whatever the clerk's computer is set to; a UTC-configured
// desktop must not show 01:00 for an inspection the PDF says began at 09:00.
import { locale, t, type Locale } from '../i18n';

export const DISPLAY_TIME_ZONE = 'Asia/Shanghai';
export const NO_VALUE = '—';

/** RFC 3339 text, Unix ms, or nothing → a Date (null when absent or unreadable). */
export function toDate(v: string | number | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null;
  const d = typeof v === 'number' ? new Date(v) : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

function parts(d: Date, withTime: boolean): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone: DISPLAY_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' } : {}),
  });
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(d)) out[p.type] = p.value;
  return out;
}

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function dateText(p: Record<string, string>, loc: Locale): string {
  // zh-CN: 2026-11-23, the form Chinese case systems and the printed records use;
  // en: 23 Nov 2026, unambiguous for a reader who might take 11/23 either way.
  if (loc === 'zh-CN') return `${p.year}-${p.month}-${p.day}`;
  return `${Number(p.day)} ${EN_MONTHS[Number(p.month) - 1]} ${p.year}`;
}

export function formatDateTime(v: string | number | null | undefined, loc: Locale = locale()): string {
  const d = toDate(v);
  if (!d) return NO_VALUE;
  const p = parts(d, true);
  return `${dateText(p, loc)} ${p.hour}:${p.minute}:${p.second}`;
}

export function formatDate(v: string | number | null | undefined, loc: Locale = locale()): string {
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
    // A calendar date already: no time-zone shift.
    const [y, m, d] = v.split('-');
    return dateText({ year: y, month: m, day: d }, loc);
  }
  const d = toDate(v);
  if (!d) return NO_VALUE;
  return dateText(parts(d, false), loc);
}

/** Only the clock time (timeline rows within one visit). */
export function formatTime(v: string | number | null | undefined): string {
  const d = toDate(v);
  if (!d) return NO_VALUE;
  const p = parts(d, true);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/**
 * The wall-clock milliseconds of an HLC string `001795511044228-0000000003-<node>`: its first
 * 15 digits. Null for anything else (a malformed value is shown raw, not as 1970).
 */
export function hlcMs(hlc: string | null | undefined): number | null {
  const m = /^(\d{15})-\d+-/.exec(hlc ?? '');
  return m ? Number(m[1]) : null;
}

/** Today's calendar date in Beijing (YYYY-MM-DD): due dates and "overdue" are Beijing days. */
export function beijingDate(nowMs: number = Date.now()): string {
  const p = parts(new Date(nowMs), false);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Beijing date and time as digits only (20261123, 090002): ids and file names. */
export function beijingStamp(nowMs: number = Date.now()): { date: string; time: string } {
  const p = parts(new Date(nowMs), true);
  return { date: `${p.year}${p.month}${p.day}`, time: `${p.hour}${p.minute}${p.second}` };
}

/**
 * How long ago, in words ("3 小时前"): for a last-known position, whose age matters more than
 * its clock time. A time in the future (a device clock ahead) reads as "just now".
 */
export function formatAgo(v: string | number | null | undefined, nowMs: number = Date.now()): string {
  const d = toDate(v);
  if (!d) return NO_VALUE;
  const s = Math.max(0, (nowMs - d.getTime()) / 1000);
  if (s < 60) return t('ago.now');
  if (s < 3600) return t('ago.minutes', { n: Math.floor(s / 60) });
  if (s < 86400) return t('ago.hours', { n: Math.floor(s / 3600) });
  return t('ago.days', { n: Math.floor(s / 86400) });
}
