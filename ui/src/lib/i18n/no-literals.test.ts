/// <reference types="node" />
// Every user-facing string goes through the catalogue: no Chinese anywhere in components or
// code outside the catalogues, and no English words as markup text or in user-facing attributes.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../..', import.meta.url));
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(src).map((p) => ({ path: relative(src, p), text: readFileSync(p, 'utf8') }));
// The catalogues: the two center files and the field app's area files (both languages each).
const isCatalogue = (p: string) =>
  /^lib[\\/]i18n[\\/](zh-CN|en)\.ts$/.test(p) || /^lib[\\/]i18n[\\/]app[\\/]\w+\.ts$/.test(p);
const stripComments = (s: string) =>
  s
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/** Markup of a component with script, style, comments and {expressions} removed. */
function markupText(svelte: string): string {
  let s = svelte
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  // Remove {…} blocks, innermost first, so nested braces go too.
  let prev;
  do {
    prev = s;
    s = s.replace(/\{[^{}]*\}/g, '');
  } while (s !== prev);
  return s;
}

/** Words someone would read (two or more letters) as markup text or user-facing attributes. */
function englishLiterals(svelte: string): string[] {
  const m = markupText(svelte);
  const hits: string[] = [];
  for (const hit of m.matchAll(/>([^<>]*)</g)) {
    if (/[A-Za-z]{2,}/.test(hit[1])) hits.push(hit[1].trim());
  }
  for (const hit of m.matchAll(/\b(placeholder|title|aria-label|alt)="([^"]*)"/g)) {
    if (/[A-Za-z]{2,}/.test(hit[2])) hits.push(`${hit[1]}="${hit[2]}"`);
  }
  return hits;
}

describe('no text outside the catalogue', () => {
  it('finds the components to scan', () => {
    expect(files.filter((f) => f.path.endsWith('.svelte')).length).toBeGreaterThan(10);
  });

  it('has no Chinese in components or code outside the catalogues', () => {
    const offenders = files
      .filter((f) => /\.(svelte|ts)$/.test(f.path) && !isCatalogue(f.path) && !f.path.endsWith('.test.ts'))
      .filter((f) => CJK.test(stripComments(f.text)))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('its English detector catches literal text and attributes, not expressions', () => {
    expect(englishLiterals('<p>Save</p>')).toEqual(['Save']);
    expect(englishLiterals('<input placeholder="Search" />')).toEqual(['placeholder="Search"']);
    expect(englishLiterals('<p>{t(\'a.b\')} · {x ? "y" : "z"}</p><b title={t(\'c\')}>→</b>')).toEqual([]);
    expect(englishLiterals('<script>const s = "Hello";</script><i>✓</i>')).toEqual([]);
  });

  it('has no English words as markup text or in user-facing attributes', () => {
    const offenders = files
      .filter((x) => x.path.endsWith('.svelte'))
      .flatMap((f) => englishLiterals(f.text).map((hit) => `${f.path}: ${hit}`));
    expect(offenders).toEqual([]);
  });
});
