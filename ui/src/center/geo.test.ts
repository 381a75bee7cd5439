import { describe, expect, it } from 'vitest';
import { distanceMeters, offsetMeters, sketch } from './geo';

// The demo enterprise point and the demo check-in fix.
const enterprise = { lat: 31.2556, lon: 120.6052 };
const fix = { lat: 31.2557, lon: 120.605 };

describe('check-in sketch geometry', () => {
  it('measures east/north offsets in metres', () => {
    const { east, north } = offsetMeters(enterprise, fix);
    expect(north).toBeCloseTo(11.06, 1);
    expect(east).toBeCloseTo(-19.03, 1);
    expect(Math.hypot(east, north)).toBeCloseTo(22.0, 0);
  });

  it('puts the enterprise in the middle and the fix north-west of it, inside the frame', () => {
    const s = sketch(enterprise, fix, 8, 240);
    expect([s.cx, s.cy]).toEqual([120, 120]);
    expect(s.fx).toBeLessThan(s.cx);
    expect(s.fy).toBeLessThan(s.cy);
    for (const v of [s.fx - s.r, s.fy - s.r, s.fx + s.r, s.fy + s.r]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(240);
    }
    expect(s.distanceM).toBeCloseTo(22.0, 0);
    // Labels on opposite sides of the pair: the fix's above it, the enterprise's below.
    expect(s.fixLabel.y).toBeLessThan(s.fy);
    expect(s.enterpriseLabel.y).toBeGreaterThan(s.cy);
  });

  it('measures the distance to the enterprise point, which the device does not record', () => {
    // The demo device recorded distance_m = 0 (inside the boundary polygon); the point is 22 m off.
    expect(distanceMeters(enterprise, fix)).toBeCloseTo(22.0, 0);
  });

  it('keeps a far fix in the frame and picks a round scale bar', () => {
    const far = { lat: enterprise.lat + 0.01, lon: enterprise.lon };
    const s = sketch(enterprise, far, 30, 240);
    expect(s.fy).toBeGreaterThan(0);
    expect([1, 2, 5].some((d) => s.scaleM / d === 10 ** Math.round(Math.log10(s.scaleM / d)))).toBe(true);
  });
});
