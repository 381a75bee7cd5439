import { describe, expect, it } from 'vitest';
import type { NearestAnswer } from '../../lib/api/tasks';
import { availableCount, excludedText, nearestRows, radiusOf } from './nearest';

const answer: NearestAnswer = {
  radius_m: 3000,
  enterprise: { id: 'E-1', name: '示范电镀', location: { lat: 31.3, lon: 120.6 } },
  officers: [
    { officer_id: 'O-C', name: '陈', team: 'T2', distance_m: 2400, position: null, open_tasks: 0, excluded: null },
    { officer_id: 'O-B', name: '李', team: 'T1', distance_m: 800, position: null, open_tasks: 3, excluded: 'recusal' },
    { officer_id: 'O-A', name: '张', team: 'T1', distance_m: 800, position: null, open_tasks: 1, excluded: null },
    { officer_id: 'O-D', name: '王', team: 'T1', distance_m: null, position: null, open_tasks: 0, excluded: null },
  ],
};

describe('nearest officers', () => {
  it('orders by distance, then workload, unknown distance last', () => {
    expect(nearestRows(answer).map((o) => o.officer_id)).toEqual(['O-A', 'O-B', 'O-C', 'O-D']);
  });

  it('counts who can go and says why someone cannot', () => {
    expect(availableCount(answer)).toBe(3);
    expect(excludedText('recusal')).toBe('需回避');
    expect(excludedText('on_leave')).toBe('已排除：on_leave');
    expect(excludedText(null)).toBeNull();
    expect(excludedText('recusal', '配偶在该企业任职')).toBe('需回避（配偶在该企业任职）');
  });

  it('only offers the listed radii', () => {
    expect(radiusOf('5000')).toBe(5000);
    expect(radiusOf(42)).toBe(3000);
    expect(radiusOf(null)).toBe(3000);
  });
});
