import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../../lib/i18n';
import { formatBytes, formatDaysLeft, formatDistance } from './format';

afterEach(() => setLocale('zh-CN'));

describe('formatDistance', () => {
  it('shows metres below 1 km and kilometres with one decimal above', () => {
    expect(formatDistance(0)).toBe('0 米');
    expect(formatDistance(849.6)).toBe('850 米');
    expect(formatDistance(1000)).toBe('1.0 公里');
    expect(formatDistance(12_345)).toBe('12.3 公里');
    expect(formatDistance(250_000)).toBe('250 公里');
  });

  it('shows a dash without a distance', () => {
    expect(formatDistance(null)).toBe('—');
    expect(formatDistance(undefined)).toBe('—');
    expect(formatDistance(Number.NaN)).toBe('—');
  });

  it('follows the locale', () => {
    setLocale('en');
    expect(formatDistance(420)).toBe('420 m');
    expect(formatDistance(1500)).toBe('1.5 km');
  });
});

describe('formatBytes', () => {
  it('uses binary multiples with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(1.2 * 1024 * 1024)).toBe('1.2 MB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
    expect(formatBytes(null)).toBe('—');
  });
});

describe('formatDaysLeft', () => {
  it('names days left, today and overdue', () => {
    expect(formatDaysLeft(3, false)).toBe('还剩 3 天');
    expect(formatDaysLeft(0, false)).toBe('今天到期');
    expect(formatDaysLeft(-2, true)).toBe('逾期 2 天');
    setLocale('en');
    expect(formatDaysLeft(-5, true)).toBe('5 days overdue');
  });
});
