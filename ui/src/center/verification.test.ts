import { describe, expect, it } from 'vitest';
import type { CaseDetail } from '../lib/api/types';
import demo from './fixtures/demo-case.json';
import { chainBadge, evidenceBadge, signatureBadge, syncState } from './verification';

// demo-case.json: a trimmed copy of a real GET /v1/cases/{id} answer from the electroplating
// demo (fewer ops, transcript content cut; signatures, blobs and checks as the server sent them).
const real = demo as unknown as CaseDetail;
const clone = (): CaseDetail => JSON.parse(JSON.stringify(real));

describe('verification badges on the real demo case', () => {
  it('accepts signatures valid for their version, including the superseded version 1', () => {
    expect(real.signatures.some((s) => s.check.status === 'valid_for_other_version')).toBe(true);
    expect(signatureBadge(real)).toEqual({ tone: 'ok', key: 'verify.signatures.ok' });
  });

  it('shows the audit chain intact and the evidence hashes matching', () => {
    expect(chainBadge(real)).toEqual({ tone: 'ok', key: 'verify.chain.ok' });
    expect(evidenceBadge(real)).toEqual({ tone: 'ok', key: 'verify.evidence.ok' });
  });
});

describe('verification badges when something is wrong', () => {
  it('turns red on any invalid signature and counts them', () => {
    const c = clone();
    c.signatures[1].check = { status: 'invalid' };
    c.signatures[4].check = { status: 'invalid' };
    expect(signatureBadge(c)).toEqual({ tone: 'bad', key: 'verify.signatures.bad', params: { n: 2 } });
  });

  it('does not call an unknown signature status valid', () => {
    const c = clone();
    c.signatures[0].check = { status: 'unknown_key' };
    expect(signatureBadge(c)).toMatchObject({ tone: 'warn', params: { n: 1 } });
  });

  it('counts ops whose chain link did not verify', () => {
    const c = clone();
    c.ops[3].chain_verified = false;
    expect(chainBadge(c)).toEqual({ tone: 'bad', key: 'verify.chain.bad', params: { n: 1 } });
  });

  it('says evidence is waiting (not forged) while blobs have not arrived', () => {
    const c = clone();
    c.blobs[0].stored = false;
    c.blobs[2].stored = false;
    expect(evidenceBadge(c)).toEqual({ tone: 'warn', key: 'verify.evidence.waiting', params: { stored: 4, total: 6 } });
  });

  it('prefers the overview evidence list when the server sends one', () => {
    const c = clone();
    c.view = { evidence: [{ stored: true }, { stored: false }] } as unknown as CaseDetail['view'];
    expect(evidenceBadge(c)).toMatchObject({ params: { stored: 1, total: 2 } });
  });

  it('is neutral for a case with nothing to check', () => {
    expect(signatureBadge({ signatures: [] }).tone).toBe('neutral');
    expect(chainBadge({ ops: [] }).tone).toBe('neutral');
    expect(evidenceBadge({ blobs: [], view: null }).tone).toBe('neutral');
    expect(syncState(0, 0)).toBe('neutral');
    expect(syncState(4, 6)).toBe('warn');
    expect(syncState(6, 6)).toBe('ok');
  });
});
