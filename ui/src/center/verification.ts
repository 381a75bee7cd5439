// The three verification badges of a case, computed from what the server re-verified:
// signatures (each checked against the exact transcript version it signed), the audit chain
// (every op's link and payload hash), and evidence (the server stores a blob only when its
// SHA-256 matched, so "stored" means "hash verified").
import type { CaseDetail } from '../lib/api/types';

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

export interface BadgeModel {
  tone: Tone;
  key:
    | 'verify.signatures.ok'
    | 'verify.signatures.bad'
    | 'verify.signatures.warn'
    | 'verify.signatures.none'
    | 'verify.chain.ok'
    | 'verify.chain.bad'
    | 'verify.chain.none'
    | 'verify.evidence.ok'
    | 'verify.evidence.waiting'
    | 'verify.evidence.none';
  params?: Record<string, number>;
}

/**
 * Statuses that mean "this signature is good for what it signed": valid for this version,
 * or for an earlier version that a newer one superseded (the server says
 * `valid_for_other_version` for that today; `superseded` is the documented name).
 */
export const SIGNATURE_OK = new Set(['valid', 'superseded', 'valid_for_other_version']);

export function signatureBadge(c: Pick<CaseDetail, 'signatures'>): BadgeModel {
  const sigs = c.signatures ?? [];
  if (!sigs.length) return { tone: 'neutral', key: 'verify.signatures.none' };
  const invalid = sigs.filter((s) => s.check?.status === 'invalid').length;
  if (invalid) return { tone: 'bad', key: 'verify.signatures.bad', params: { n: invalid } };
  // Any other status (unknown key, a status a newer server adds) is not silently "valid".
  const unsure = sigs.filter((s) => !SIGNATURE_OK.has(s.check?.status)).length;
  if (unsure) return { tone: 'warn', key: 'verify.signatures.warn', params: { n: unsure } };
  return { tone: 'ok', key: 'verify.signatures.ok' };
}

export function chainBadge(c: Pick<CaseDetail, 'ops'>): BadgeModel {
  const ops = c.ops ?? [];
  if (!ops.length) return { tone: 'neutral', key: 'verify.chain.none' };
  const broken = ops.filter((o) => o.chain_verified !== true).length;
  return broken
    ? { tone: 'bad', key: 'verify.chain.bad', params: { n: broken } }
    : { tone: 'ok', key: 'verify.chain.ok' };
}

/**
 * Evidence: the view's evidence items when the server sends them, else every blob the case
 * names. Not yet arrived is "waiting" (amber), not a mismatch: a mismatching upload is refused
 * and never stored, so the case simply stays incomplete.
 */
export function evidenceBadge(c: Pick<CaseDetail, 'blobs' | 'view'>): BadgeModel {
  const items: { stored: boolean }[] = c.view?.evidence ?? c.blobs ?? [];
  if (!items.length) return { tone: 'neutral', key: 'verify.evidence.none' };
  const stored = items.filter((x) => x.stored).length;
  return stored === items.length
    ? { tone: 'ok', key: 'verify.evidence.ok' }
    : { tone: 'warn', key: 'verify.evidence.waiting', params: { stored, total: items.length } };
}

/** Sync completeness of a list row or a case: "6/6 arrived" vs "waiting 4/6". */
export function syncState(stored: number, total: number): BadgeModel['tone'] {
  if (total === 0) return 'neutral';
  return stored >= total ? 'ok' : 'warn';
}
