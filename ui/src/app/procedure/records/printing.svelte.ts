// Printing one document with progress. The core's `print` answers only once the printer has every
// byte (or the link failed), so while it is pending the job slot (`print_job`) is polled for the
// bytes sent. One run per document, kept for the whole session: the print step and a sample card
// show the same progress for the same label, and leaving the step mid-print does not lose it.
import { asAppError, call, type AppError } from '../../api/backend';
import type { PrintJob } from '../../api/bindings/PrintJob';
import type { PrintWhat } from '../../api/bindings/PrintWhat';

/** How often progress is asked for while a print is pending (the core's job slot is cheap to read). */
export const POLL_MS = 300;

export type PrintPhase = 'idle' | 'sending' | 'done' | 'failed';

/** A stable name for a document of a case (the run's key, and part of the buttons' test ids). */
export function whatKey(what: PrintWhat): string {
  switch (what.what) {
    case 'receipt':
      return 'receipt';
    case 'transcript':
      return `transcript-${what.transcript_id}-${what.version}`;
    case 'label':
      return `label-${what.sample_id}`;
  }
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PrintRun {
  readonly caseId: string;
  readonly what: PrintWhat;
  phase = $state<PrintPhase>('idle');
  sent = $state(0);
  total = $state(0);
  /** The core's refusal or failure of the last press, for the banner under its button. */
  error = $state<AppError | null>(null);

  constructor(caseId: string, what: PrintWhat) {
    this.caseId = caseId;
    this.what = what;
  }

  get sending(): boolean {
    return this.phase === 'sending';
  }

  /** Whether a job in the core's slot is this document's. */
  private isMine(job: PrintJob): boolean {
    return job.case_id === this.caseId && whatKey(job.what) === whatKey(this.what);
  }

  /** Prints; true once the printer has every byte. */
  async print(): Promise<boolean> {
    if (this.sending) return false;
    this.phase = 'sending';
    this.sent = 0;
    this.total = 0;
    this.error = null;
    let settled = false;
    const job = call('print', { case_id: this.caseId, what: this.what });
    // Registered before anything awaits `job`, so `settled` is set before the outcome is drawn
    // and a poll answering late never overwrites it.
    const over = job.then(
      () => void (settled = true),
      () => void (settled = true),
    );
    const polling = this.poll(() => settled, over);
    try {
      const done = await job;
      this.sent = done.sent;
      this.total = done.total;
      this.phase = 'done';
      return true;
    } catch (e) {
      const err = asAppError(e);
      this.error = err;
      // A refusal (no printer, not locked, busy…) never started a job; a failure while sending
      // left this document's job in the slot as failed, with how far it got.
      const last = await call('print_job', {}).catch(() => null);
      if (last && this.isMine(last) && last.state === 'failed' && last.error?.code === err.code) {
        this.sent = last.sent;
        this.total = last.total;
        this.phase = 'failed';
      } else {
        this.phase = 'idle';
      }
      return false;
    } finally {
      await polling;
    }
  }

  private async poll(settled: () => boolean, over: Promise<void>): Promise<void> {
    while (!settled()) {
      await Promise.race([wait(POLL_MS), over]);
      if (settled()) return;
      try {
        const job = await call('print_job', {});
        if (!settled() && job && this.isMine(job) && job.state === 'sending') {
          this.sent = job.sent;
          this.total = job.total;
        }
      } catch {
        // Progress only: the print's own answer decides how it ended.
      }
    }
  }
}

const runs = new Map<string, PrintRun>();

/** The run of one document of a case (the same object wherever that document has a button). */
export function printRun(caseId: string, what: PrintWhat): PrintRun {
  const key = `${caseId}/${whatKey(what)}`;
  let run = runs.get(key);
  if (!run) {
    run = new PrintRun(caseId, what);
    runs.set(key, run);
  }
  return run;
}

/** Forgets every run (tests start from a clean slate). */
export function resetPrintRuns(): void {
  runs.clear();
}
