// Handwriting → stroke data, the shape the core signs over (`Strokes` in bindings/Command.ts:
// strokes of [x, y, t_ms, pressure] points). Kept free of the DOM so it is tested on its own:
// the pad component only turns pointer events into `PadInput` and draws.
//
// Normalisation: x, y in CSS pixels from the pad's top-left, clamped to the pad and rounded to
// 0.1 px; t in whole milliseconds since the signature's first point (never going back);
// pressure 0–1, with 0.5 where the device reports none (mouse, many touch screens report 0 or a
// constant), so the rendered line has a natural width. One pointer at a time: a palm or a second
// finger on the glass does not become ink.

export type StrokePoint = [number, number, number, number];
export type Strokes = StrokePoint[][];

/** One pointer event, as the pad sees it. */
export type PadInput = {
  pointerId: number;
  pointerType: string;
  /** Position relative to the pad's top-left, CSS pixels. */
  x: number;
  y: number;
  /** Event time, ms (any origin: only differences count). */
  time: number;
  pressure: number;
};

/** The default pressure where the hardware reports none. */
export const DEFAULT_PRESSURE = 0.5;

const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.round(v * 100) / 100;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function normalisePressure(pressure: number, pointerType: string): number {
  if (pointerType === 'mouse' || !Number.isFinite(pressure) || pressure <= 0) return DEFAULT_PRESSURE;
  return round2(clamp(pressure, 0, 1));
}

/** A pointer event's position relative to a box (its bounding rectangle). */
export function relativeTo(
  e: { clientX: number; clientY: number },
  rect: { left: number; top: number },
): { x: number; y: number } {
  return { x: e.clientX - rect.left, y: e.clientY - rect.top };
}

/** At least two points in all: the core refuses less as an empty signature. */
export function hasInk(strokes: Strokes): boolean {
  return strokes.reduce((n, s) => n + s.length, 0) >= 2;
}

export class StrokeRecorder {
  private done: StrokePoint[][] = [];
  private current: StrokePoint[] | null = null;
  private pointer: number | null = null;
  private t0: number | null = null;
  private lastT = 0;

  /** The pad's size, for clamping (updated when it resizes). */
  constructor(
    private width = Infinity,
    private height = Infinity,
  ) {}

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
  }

  private point(p: PadInput): StrokePoint {
    if (this.t0 === null) this.t0 = p.time;
    // Event clocks can step backwards across pointers; time in a signature only goes forward.
    const t = Math.max(this.lastT, Math.round(p.time - this.t0));
    this.lastT = t;
    return [
      round1(clamp(p.x, 0, this.width)),
      round1(clamp(p.y, 0, this.height)),
      t,
      normalisePressure(p.pressure, p.pointerType),
    ];
  }

  /** A pointer went down: a new stroke starts (ignored while another pointer draws). */
  begin(p: PadInput): StrokePoint | null {
    if (this.pointer !== null) return null;
    this.pointer = p.pointerId;
    const pt = this.point(p);
    this.current = [pt];
    return pt;
  }

  /** The drawing pointer moved: the point, or null when it adds nothing (same spot, other pointer). */
  move(p: PadInput): StrokePoint | null {
    if (this.current === null || p.pointerId !== this.pointer) return null;
    const pt = this.point(p);
    const last = this.current[this.current.length - 1];
    if (last && last[0] === pt[0] && last[1] === pt[1]) return null;
    this.current.push(pt);
    return pt;
  }

  /** The drawing pointer lifted (or was cancelled): the stroke is kept. */
  end(p?: { pointerId: number }): void {
    if (this.current === null || (p && p.pointerId !== this.pointer)) return;
    this.done.push(this.current);
    this.current = null;
    this.pointer = null;
  }

  clear(): void {
    this.done = [];
    this.current = null;
    this.pointer = null;
    this.t0 = null;
    this.lastT = 0;
  }

  get drawing(): boolean {
    return this.current !== null;
  }

  /** The finished strokes, copied (what a command sends). */
  strokes(): Strokes {
    return this.done.map((s) => s.map((p) => [...p] as StrokePoint));
  }

  /** Every stroke including the one being drawn, for redrawing the pad. */
  all(): Strokes {
    return this.current ? [...this.done, this.current] : this.done;
  }

  pointCount(): number {
    return this.done.reduce((n, s) => n + s.length, 0);
  }
}
