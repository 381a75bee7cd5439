// The check-in sketch: the enterprise point at the centre, the fix placed by its offset in
// metres (equirectangular; exact enough over the few hundred metres a geofence spans), scaled
// so both and the accuracy circle fit. No map tiles: the sketch shows distance and direction.
import type { Point } from '../lib/api/types';

const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON_EQ = 111_320;

/** East and north offsets in metres from `a` to `b`. */
export function offsetMeters(a: Point, b: Point): { east: number; north: number } {
  const lat = ((a.lat + b.lat) / 2) * (Math.PI / 180);
  return {
    east: (b.lon - a.lon) * M_PER_DEG_LON_EQ * Math.cos(lat),
    north: (b.lat - a.lat) * M_PER_DEG_LAT,
  };
}

export function distanceMeters(a: Point, b: Point): number {
  const { east, north } = offsetMeters(a, b);
  return Math.hypot(east, north);
}

export interface Label {
  x: number;
  y: number;
  anchor: 'start' | 'end';
}

export interface Sketch {
  size: number;
  /** Enterprise point (the centre). */
  cx: number;
  cy: number;
  /** The fix. */
  fx: number;
  fy: number;
  /** Accuracy circle radius in px. */
  r: number;
  /** Length in metres of the scale bar and its length in px. */
  scaleM: number;
  scalePx: number;
  distanceM: number;
  /** Where the two labels go: on opposite sides, so close points do not print over each other. */
  enterpriseLabel: Label;
  fixLabel: Label;
}

function niceScale(m: number): number {
  const steps = [1, 2, 5];
  let base = 1;
  while (base * 10 <= m) base *= 10;
  let best = base;
  for (const s of steps) if (s * base <= m) best = s * base;
  return best;
}

export function sketch(enterprise: Point, fix: Point, accuracyM: number | null, size = 240): Sketch {
  const { east, north } = offsetMeters(enterprise, fix);
  const distanceM = Math.hypot(east, north);
  const acc = accuracyM && accuracyM > 0 ? accuracyM : 0;
  // The farthest thing from the centre must sit inside 80% of the half-size.
  const reach = Math.max(distanceM + acc, 20);
  const pxPerM = (size / 2) * 0.8 / reach;
  const c = size / 2;
  const scaleM = niceScale(reach / 2);
  const fx = c + east * pxPerM;
  // SVG's y grows downwards; north is up.
  const fy = c - north * pxPerM;
  // The fix's label goes on its far side from the enterprise, the enterprise's on the other.
  const fixAbove = fy <= c;
  const fixLeft = fx < c;
  return {
    size,
    cx: c,
    cy: c,
    fx,
    fy,
    enterpriseLabel: { x: c + (fixLeft ? 10 : -10), y: fixAbove ? c + 22 : c - 12, anchor: fixLeft ? 'start' : 'end' },
    fixLabel: {
      x: fx + (fixLeft ? -8 : 8),
      y: fixAbove ? fy - 10 : fy + 20,
      anchor: fixLeft ? 'start' : 'end',
    },
    r: acc * pxPerM,
    scaleM,
    scalePx: scaleM * pxPerM,
    distanceM,
  };
}
