// One committed step from a form: busy while the core works, the refusal kept for the banner
// beside the button that was pressed, the warnings the core recorded with the step (V-12, a
// broken seal…) kept for a notice, and the fresh case screen handed to the frame.
import { asAppError, call, type AppError } from '../../api/backend';
import type { CaseScreen } from '../../api/bindings/CaseScreen';
import type { Command } from '../../api/bindings/Command';
import type { Flag } from '../../api/bindings/Flag';
import type { StepDone } from '../../api/bindings/StepDone';

export class StepAction {
  busy = $state(false);
  error = $state<AppError | null>(null);
  flags = $state<Flag[]>([]);

  /** Runs one core call that returns StepDone; true when it was committed. */
  async run(fn: () => Promise<StepDone>, onscreen: (s: CaseScreen) => void): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.flags = [];
    try {
      const done = await fn();
      this.flags = done.outcome.flags;
      onscreen(done.screen);
      return true;
    } catch (e) {
      this.error = asAppError(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Commits one procedure step; an officer's signature carries the offline PIN re-entered. */
  step(command: Command, onscreen: (s: CaseScreen) => void, pin?: string): Promise<boolean> {
    return this.run(() => call('step', pin === undefined ? { command } : { command, pin }), onscreen);
  }

  /** A refusal made on this side (a file too large to send), shown the same way. */
  fail(e: AppError): void {
    this.error = e;
  }

  get banner(): AppError | null {
    return this.error;
  }
}
