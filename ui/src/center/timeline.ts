// The procedure timeline: the case's ops in chain order, each with when (the envelope's `at`,
// the device's time of the step), what (the kind, in words via the catalogue), who, and whether
// the server could verify its link in the audit chain.
import type { CaseOp } from '../lib/api/types';

export interface TimelineRow {
  seq: number;
  opId: string;
  kind: string;
  at: string | null;
  by: string | null;
  verified: boolean;
  /** The server's outcome when it is not the ordinary "applied" (e.g. quarantined). */
  outcome: string | null;
  /** A short detail that tells one row of a kind from another (item id, sample id, ...). */
  detail: string | null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

function detailOf(op: CaseOp): string | null {
  const b = (op.payload?.body ?? {}) as Record<string, unknown>;
  const sub = (k: string) => (b[k] && typeof b[k] === 'object' ? (b[k] as Record<string, unknown>) : {});
  switch (op.kind) {
    case 'answered':
      return str(b.key) ?? str(sub('answer').item_id);
    case 'evidence_captured':
      return str(sub('evidence').proves);
    case 'sample_taken':
      return str(sub('sample').sample_id);
    case 'handed_over':
      return str(b.sample_id);
    case 'credential_shown':
      return str(sub('showing').name);
    case 'signed':
      return str(sub('signature').name);
    case 'measure_ordered':
      return str(sub('measure').kind);
    case 'party_recorded':
      return str(sub('person').name);
    default:
      return null;
  }
}

export function timelineRows(ops: CaseOp[]): TimelineRow[] {
  return [...(ops ?? [])]
    .sort((a, b) => a.seq - b.seq)
    .map((op) => {
      const outcome = str(op.result?.outcome);
      return {
        seq: op.seq,
        opId: op.op_id,
        kind: op.kind,
        at: str(op.payload?.at),
        by: str(op.payload?.by),
        verified: op.chain_verified === true,
        outcome: outcome && outcome !== 'applied' ? outcome : null,
        detail: detailOf(op),
      };
    });
}

/**
 * Runs of the same kind folded into one row (67 "answered" ops in a row read as one line with a
 * count); a failed verification is never folded away.
 */
export interface TimelineGroup {
  first: TimelineRow;
  last: TimelineRow;
  count: number;
  rows: TimelineRow[];
  allVerified: boolean;
}

export function groupTimeline(rows: TimelineRow[]): TimelineGroup[] {
  const out: TimelineGroup[] = [];
  for (const r of rows) {
    const g = out[out.length - 1];
    if (g && g.last.kind === r.kind && g.allVerified && r.verified && !r.outcome && !g.last.outcome) {
      g.rows.push(r);
      g.last = r;
      g.count++;
    } else {
      out.push({ first: r, last: r, count: 1, rows: [r], allVerified: r.verified });
    }
  }
  return out;
}
