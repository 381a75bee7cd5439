// Stroke capture: what a signature becomes before the core binds it to a transcript version.
import { describe, expect, it } from 'vitest';
import type { Command } from '../../api/bindings/Command';
import { DEFAULT_PRESSURE, hasInk, normalisePressure, relativeTo, StrokeRecorder, type PadInput } from './strokes';

const pen = (x: number, y: number, time: number, o: Partial<PadInput> = {}): PadInput => ({
  pointerId: 1,
  pointerType: 'pen',
  x,
  y,
  time,
  pressure: 0.6,
  ...o,
});

describe('normalisePressure', () => {
  it('keeps a pen pressure, rounded, within 0–1', () => {
    expect(normalisePressure(0.6789, 'pen')).toBe(0.68);
    expect(normalisePressure(1.7, 'pen')).toBe(1);
  });
  it('uses the default where the device reports none', () => {
    expect(normalisePressure(0, 'touch')).toBe(DEFAULT_PRESSURE);
    expect(normalisePressure(1, 'mouse')).toBe(DEFAULT_PRESSURE);
    expect(normalisePressure(Number.NaN, 'pen')).toBe(DEFAULT_PRESSURE);
  });
});

describe('relativeTo', () => {
  it('measures from the pad corner', () => {
    expect(relativeTo({ clientX: 130, clientY: 250 }, { left: 30, top: 200 })).toEqual({ x: 100, y: 50 });
  });
});

describe('StrokeRecorder', () => {
  it('records strokes of [x, y, t_ms, pressure] with time from the first point', () => {
    const r = new StrokeRecorder(300, 150);
    r.begin(pen(10.04, 20.06, 1000));
    r.move(pen(30, 40, 1016.4));
    r.move(pen(60, 45, 1033));
    r.end();
    r.begin(pen(100, 20, 1500, { pressure: 0.3 }));
    r.move(pen(120, 60, 1520, { pressure: 0.3 }));
    r.end();
    expect(r.strokes()).toEqual([
      [
        [10, 20.1, 0, 0.6],
        [30, 40, 16, 0.6],
        [60, 45, 33, 0.6],
      ],
      [
        [100, 20, 500, 0.3],
        [120, 60, 520, 0.3],
      ],
    ]);
    expect(r.pointCount()).toBe(5);
  });

  it('has exactly the shape of the sign command', () => {
    const r = new StrokeRecorder();
    r.begin(pen(1, 1, 0));
    r.move(pen(2, 2, 5));
    r.end();
    const cmd: Command = {
      step: 'sign',
      case_id: 'C-1',
      transcript_id: 'T-1',
      version: 1,
      role: 'party',
      signer_id: null,
      name: 'n',
      strokes: r.strokes(),
    };
    expect(cmd.step === 'sign' && cmd.strokes[0][1]).toEqual([2, 2, 5, 0.6]);
  });

  it('clamps points outside the pad and never lets time go back', () => {
    const r = new StrokeRecorder(300, 150);
    r.begin(pen(-5, 10, 100));
    r.move(pen(400, 200, 90));
    r.end();
    expect(r.strokes()).toEqual([
      [
        [0, 10, 0, 0.6],
        [300, 150, 0, 0.6],
      ],
    ]);
  });

  it('ignores a second pointer while one draws, and repeated positions', () => {
    const r = new StrokeRecorder();
    r.begin(pen(10, 10, 0));
    expect(r.begin(pen(50, 50, 1, { pointerId: 2 }))).toBeNull();
    expect(r.move(pen(55, 55, 2, { pointerId: 2 }))).toBeNull();
    expect(r.move(pen(10, 10, 3))).toBeNull();
    r.move(pen(12, 11, 4));
    r.end({ pointerId: 2 });
    expect(r.drawing).toBe(true);
    r.end({ pointerId: 1 });
    expect(r.strokes()).toEqual([
      [
        [10, 10, 0, 0.6],
        [12, 11, 4, 0.6],
      ],
    ]);
  });

  it('forgets everything on clear, and the copy it returns is not its own', () => {
    const r = new StrokeRecorder();
    r.begin(pen(1, 1, 0));
    r.move(pen(5, 5, 10));
    r.end();
    const s = r.strokes();
    s[0][0][0] = 999;
    expect(r.strokes()[0][0][0]).toBe(1);
    r.clear();
    expect(r.strokes()).toEqual([]);
    r.begin(pen(3, 3, 5000));
    expect(r.all()).toEqual([[[3, 3, 0, 0.6]]]);
  });
});

describe('hasInk', () => {
  it('needs two points at least, as the core does', () => {
    expect(hasInk([])).toBe(false);
    expect(hasInk([[[1, 1, 0, 0.5]]])).toBe(false);
    expect(hasInk([[[1, 1, 0, 0.5]], [[2, 2, 9, 0.5]]])).toBe(true);
  });
});
