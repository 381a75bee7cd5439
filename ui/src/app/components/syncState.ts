// Which sync state the bar shows: a pure decision over the core's LiveSync, so every state is
// unit-tested without mounting anything. The bar turns the answer into words.
import type { AppError } from '../api/bindings/AppError';
import type { LiveSync } from '../api/bindings/LiveSync';
import type { SyncPhase } from '../api/bindings/SyncPhase';

export type SyncView =
  /** No sync state read yet (the first poll has not answered). */
  | { kind: 'unknown' }
  /** No network: what is waiting goes when it returns. */
  | { kind: 'offline'; links: number; blobs: number }
  /** A run is under way. */
  | {
      kind: 'sending';
      phase: SyncPhase;
      links_total: number;
      blobs_done: number;
      blobs_total: number;
      bytes_sent: number;
      bytes_total: number;
    }
  /**
   * A person must look: the schedule stopped, the center refused records, or the last run
   * failed. `reason` is the core's words when there are any; `rejected` counts refused records.
   */
  | { kind: 'attention'; reason: AppError | null; rejected: number }
  /** Records or files wait for the next run. */
  | { kind: 'waiting'; links: number; blobs: number; bytes: number }
  /** Nothing waits, nothing was refused. */
  | { kind: 'all_sent' };

/** A refused record's reason: the center's {code, zh, en} as JSON text (raw text if not). */
export function rejectedReason(reason: string | null): AppError | null {
  if (!reason) return null;
  try {
    const o = JSON.parse(reason) as unknown;
    if (o && typeof o === 'object' && 'zh' in o && 'en' in o) {
      const r = o as Record<string, unknown>;
      return { code: String(r.code ?? 'sync.rejected'), zh: String(r.zh), en: String(r.en) };
    }
  } catch {
    // Not JSON: show the text as it came.
  }
  return { code: 'sync.rejected', zh: reason, en: reason };
}

export function syncState(live: LiveSync | null | undefined): SyncView {
  if (!live) return { kind: 'unknown' };
  const { status, schedule, running, last_error } = live;
  // A run under way is the freshest fact: show its progress.
  if (running) {
    return {
      kind: 'sending',
      phase: running.phase,
      links_total: running.links_total,
      blobs_done: running.blobs_done,
      blobs_total: running.blobs_total,
      bytes_sent: running.bytes_sent,
      bytes_total: running.bytes_total,
    };
  }
  const rejected = status.rejected.length;
  // The schedule stopped retrying (revoked device, outdated app): offline or not, a person must act.
  if (schedule.state === 'needs_attention') {
    // The core sets last_error together with the reason; the reason text is "zh / en" only.
    const reason = last_error ?? { code: 'sync.attention', zh: schedule.reason, en: schedule.reason };
    return { kind: 'attention', reason, rejected };
  }
  // Offline before the other failures: the last error is most likely the missing network.
  if (!live.online || schedule.state === 'offline') {
    return { kind: 'offline', links: status.links_pending, blobs: status.blobs_pending };
  }
  if (rejected > 0 || last_error) {
    const reason = last_error ?? rejectedReason(status.rejected[0].reason);
    return { kind: 'attention', reason, rejected };
  }
  if (status.links_pending > 0 || status.blobs_pending > 0) {
    return {
      kind: 'waiting',
      links: status.links_pending,
      blobs: status.blobs_pending,
      bytes: status.blob_bytes_pending,
    };
  }
  return { kind: 'all_sent' };
}
