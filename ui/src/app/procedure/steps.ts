// The step bar's decisions, kept out of the components so they can be tested alone: which step
// the case view opens, and how each entry of the bar is drawn. The core decides done/blocked;
// this only orders and words what it said.
import type { StepStatus } from '../api/bindings/StepStatus';

/** How a step's entry looks. Blocked wins over done: `print` is "done" by nature but still waits
 *  for the signatures, and showing it ✓ would tell the officer something false. */
export type EntryState = 'done' | 'blocked' | 'allowed';

export interface Entry {
  step: StepStatus;
  state: EntryState;
  /** The step on screen now. */
  current: boolean;
  /** Not required by the procedure (sampling when the task does not need it, interview, print). */
  optional: boolean;
  /** Why it cannot start, in both languages, when blocked. */
  reason: { zh: string; en: string } | null;
}

export function entryState(s: StepStatus): EntryState {
  if (s.blocked) return 'blocked';
  return s.done ? 'done' : 'allowed';
}

/** The step to work on next: the first that is neither done nor blocked. When none is left (all
 *  done, or the rest wait on something), the first not done; when everything is done, the last. */
export function nextStep(steps: StepStatus[]): StepStatus | null {
  return (
    steps.find((s) => !s.done && !s.blocked) ??
    steps.find((s) => !s.done) ??
    steps[steps.length - 1] ??
    null
  );
}

/** The step the case view shows: the one the route names (when the procedure has it), else
 *  `nextStep`. An unknown id in the hash (an old link) falls back instead of showing nothing. */
export function currentStep(steps: StepStatus[], requested: string | null): StepStatus | null {
  if (requested) {
    const hit = steps.find((s) => s.id === requested);
    if (hit) return hit;
  }
  return nextStep(steps);
}

export function entries(steps: StepStatus[], currentId: string | null): Entry[] {
  return steps.map((step) => ({
    step,
    state: entryState(step),
    current: step.id === currentId,
    optional: !step.required,
    reason: step.blocked ? { zh: step.blocked[0], en: step.blocked[1] } : null,
  }));
}

/** The step after `id` that is worth going to (for the "next step" button under a finished step). */
export function stepAfter(steps: StepStatus[], id: string): StepStatus | null {
  const i = steps.findIndex((s) => s.id === id);
  if (i < 0) return null;
  const rest = steps.slice(i + 1);
  return rest.find((s) => !s.done && !s.blocked) ?? rest.find((s) => !s.blocked) ?? null;
}
