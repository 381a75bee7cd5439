import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zhCN } from './zh-CN';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('have exactly the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  });

  it('have no empty or whitespace-only messages', () => {
    for (const [name, cat] of [['zh-CN', zhCN], ['en', en]] as const) {
      for (const [k, v] of Object.entries(cat)) {
        expect(v.trim(), `${name} ${k}`).not.toBe('');
      }
    }
  });

  it('use the same placeholders for a key in both languages', () => {
    for (const k of Object.keys(zhCN) as (keyof typeof zhCN)[]) {
      expect(placeholders(en[k]), k).toEqual(placeholders(zhCN[k]));
    }
  });

  it('keep Chinese out of the English catalogue except language names', () => {
    const cjk = /[\u3400-\u9fff]/;
    const offenders = Object.entries(en).filter(([k, v]) => cjk.test(v) && k !== 'locale.name.zh-CN');
    expect(offenders).toEqual([]);
  });
});
