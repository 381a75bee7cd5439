// A credential verdict in words and colour: the same for the field app (亮证 card, 扫码验证) and
// the center's public check page, which both receive the core's `CredentialVerdict` (the
// generated binding is the one definition of its shape).
import { t, type MessageKey } from '../i18n';
import type { CredentialVerdict } from '../../app/api/bindings/CredentialVerdict';
import { formatAgo, formatDate, formatDateTime } from './time';

export type { CredentialVerdict };
export type VerdictStatus = CredentialVerdict['status'];
export type VerdictTone = 'ok' | 'warn' | 'bad';

/** Only a valid token is green; a credential not yet in force is a warning, the rest refusals. */
export function verdictTone(v: CredentialVerdict): VerdictTone {
  switch (v.status) {
    case 'valid':
      return 'ok';
    case 'not_yet_valid':
      return 'warn';
    default:
      return 'bad';
  }
}

const STATUS_WORDS: Record<VerdictStatus, MessageKey> = {
  valid: 'credential.status.valid',
  revoked: 'credential.status.revoked',
  expired: 'credential.status.expired',
  not_yet_valid: 'credential.status.not_yet_valid',
  retired_key: 'credential.status.retired_key',
  unknown_key: 'credential.status.unknown_key',
  bad_signature: 'credential.status.bad_signature',
  malformed: 'credential.status.malformed',
};

const EXPLAIN: Record<VerdictStatus, MessageKey> = {
  valid: 'credential.explain.valid',
  revoked: 'credential.explain.revoked',
  expired: 'credential.explain.expired',
  not_yet_valid: 'credential.explain.not_yet_valid',
  retired_key: 'credential.explain.retired_key',
  unknown_key: 'credential.explain.unknown_key',
  bad_signature: 'credential.explain.bad_signature',
  malformed: 'credential.explain.malformed',
};

/** The status in a few words, without a revocation's date (the large view says it below). */
export function verdictWords(v: CredentialVerdict): string {
  return t(STATUS_WORDS[v.status]);
}

/** The status in a few words (a badge); a revocation carries its date (Beijing). */
export function verdictLabel(v: CredentialVerdict): string {
  if (v.status === 'revoked') return t('credential.status.revoked_on', { date: formatDate(v.revoked_at_ms) });
  return t(STATUS_WORDS[v.status]);
}

/** One sentence saying what the status means for the person holding the code. */
export function verdictExplanation(v: CredentialVerdict): string {
  if (v.status === 'malformed') return t(EXPLAIN.malformed, { reason: v.reason });
  return t(EXPLAIN[v.status]);
}

/** A revocation's date and reason, or null for any other status. */
export function revocationDetail(v: CredentialVerdict): string | null {
  if (v.status !== 'revoked') return null;
  return t('credential.revoked_detail', { date: formatDate(v.revoked_at_ms), reason: v.reason });
}

/**
 * The revocation list the verdict consulted: when the center issued it and how long ago. `ageMs`
 * is the age as the verifier measured it (the device's clock, for the app's scanner); without
 * it, the age is counted from now. Null when no list was consulted.
 */
export function revocationListAge(
  v: CredentialVerdict,
  ageMs: number | null = null,
  nowMs: number = Date.now(),
): { seq: number | null; time: string; ago: string } | null {
  const at = v.revocations_issued_at_ms;
  if (at === null) return null;
  const ago = formatAgo(at, ageMs === null ? nowMs : at + ageMs);
  return { seq: v.revocations_seq, time: formatDateTime(at), ago };
}
