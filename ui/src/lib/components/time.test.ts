import { describe, expect, it } from 'vitest';
import { beijingDate, beijingStamp, formatAgo, formatDate, formatDateTime, formatTime, hlcMs } from './time';

describe('time formatting', () => {
  it('shows record times in Beijing time in both languages', () => {
    expect(formatDateTime('2026-11-23T09:00:02+08:00', 'zh-CN')).toBe('2026-11-23 09:00:02');
    expect(formatDateTime('2026-11-23T01:00:02Z', 'zh-CN')).toBe('2026-11-23 09:00:02');
    expect(formatDateTime('2026-11-23T09:00:02+08:00', 'en')).toBe('23 Nov 2026 09:00:02');
  });

  it('accepts Unix milliseconds', () => {
    // The wall clock of a real HLC from the demo (the demo's scripted step times differ).
    expect(formatDateTime(1795511044228, 'zh-CN')).toBe('2026-11-24 17:04:04');
  });

  it('shows a dash for nothing and for nonsense', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a time')).toBe('—');
  });

  it('formats dates, keeping a calendar date as it is', () => {
    expect(formatDate('2026-11-23', 'en')).toBe('23 Nov 2026');
    expect(formatDate('2026-11-22T17:30:00Z', 'zh-CN')).toBe('2026-11-23');
    expect(formatTime('2026-11-23T09:04:26+08:00')).toBe('09:04:26');
  });

  it('reads HLC wall-clock time', () => {
    expect(hlcMs('001795511044228-0000000001-x')).toBe(1795511044228);
    expect(hlcMs(null)).toBeNull();
  });
});

describe('Beijing dates and ages', () => {
  it('takes today and stamps in Beijing time', () => {
    // 2026-11-23 17:30 UTC is already the 24th in Beijing.
    const ms = Date.parse('2026-11-23T17:30:05Z');
    expect(beijingDate(ms)).toBe('2026-11-24');
    expect(beijingStamp(ms)).toEqual({ date: '20261124', time: '013005' });
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    expect(formatAgo('2026-11-23T11:59:30Z', now)).toBe('刚刚');
    expect(formatAgo('2026-11-23T11:15:00Z', now)).toBe('45 分钟前');
    expect(formatAgo('2026-11-23T09:00:00Z', now)).toBe('3 小时前');
    expect(formatAgo('2026-11-20T12:00:00Z', now)).toBe('3 天前');
    expect(formatAgo('2026-11-23T13:00:00Z', now)).toBe('刚刚');
    expect(formatAgo(null, now)).toBe('—');
  });
});
