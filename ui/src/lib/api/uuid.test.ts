import { describe, expect, it } from 'vitest';
import { UUID_V7, newUuidv7, uuidv7 } from './uuid';

describe('uuidv7', () => {
  it('lays out timestamp, version, variant and randomness exactly', () => {
    const ms = 0x0123456789ab;
    const rnd = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(uuidv7(ms, rnd)).toBe('01234567-89ab-7fff-bfff-ffffffffffff');
    const zero = new Uint8Array(10);
    expect(uuidv7(ms, zero)).toBe('01234567-89ab-7000-8000-000000000000');
  });

  it('encodes a real clock value in the first 48 bits', () => {
    const ms = 1795511044228; // from a real HLC of the demo case
    const id = uuidv7(ms, new Uint8Array(10));
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });

  it('makes ids that match the v7 pattern and sort by time', () => {
    const a = uuidv7(1000, new Uint8Array(10).fill(0xee));
    const b = uuidv7(1001, new Uint8Array(10));
    expect(a < b).toBe(true);
    for (let i = 0; i < 50; i++) expect(newUuidv7()).toMatch(UUID_V7);
  });

  it('refuses timestamps that do not fit 48 bits and short randomness', () => {
    expect(() => uuidv7(-1, new Uint8Array(10))).toThrow();
    expect(() => uuidv7(2 ** 48, new Uint8Array(10))).toThrow();
    expect(() => uuidv7(1, new Uint8Array(9))).toThrow();
  });
});
