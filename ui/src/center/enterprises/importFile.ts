// Reading the file a clerk picks for the enterprise import, and reading the server's refusal
// back to them: the server checks every row and names each bad cell in one message
// ("…未导入（未保存任何数据）：第3行 C列…；第5行…"); the panel lists those one per line.
import type { MessageKey } from '../../lib/i18n';

export type ImportKind = 'csv' | 'json';

/** By extension, else by the first character (a JSON import is an array). */
export function importKind(fileName: string, head: string): ImportKind | null {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'csv' || ext === 'txt') return 'csv';
  if (ext === 'json') return 'json';
  if (ext === 'xlsx' || ext === 'xls') return null;
  const first = head.replace(/^\uFEFF/, '').trimStart()[0];
  if (first === '[') return 'json';
  return first ? 'csv' : null;
}

/** The JSON file's array, or why it is not one (checked here so a typo is not a server round-trip). */
export function parseJsonImport(text: string): { items: unknown[] } | { problem: MessageKey } {
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return { problem: 'import.json_invalid' };
  }
  if (!Array.isArray(v)) return { problem: 'import.json_not_array' };
  if (v.length === 0) return { problem: 'import.empty' };
  return { items: v };
}

const OPEN = '(\uff08\u300c\u201c[';
const CLOSE = ')\uff09\u300d\u201d]';

/**
 * Splits at separators outside brackets and quotes: a problem may carry its own "；" inside
 * its parentheses ("经度应为 73–136 之间的数字（WGS-84，“abc”；经纬度是否填反？）").
 */
function splitOutside(text: string, isSep: (rest: string) => number, limit = Infinity): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length && parts.length < limit; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && !quoted) {
      const n = isSep(text.slice(i, i + 2));
      if (n) {
        parts.push(text.slice(start, i));
        start = i + n;
        i += n - 1;
      }
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const colon = (s: string) => (s[0] === '\uff1a' ? 1 : s === ': ' ? 2 : 0);
const semicolon = (s: string) => (s[0] === '\uff1b' || s[0] === '\n' ? 1 : s === '; ' ? 2 : 0);

/** "head: a; b; c" (full-width colon and semicolons too) → the head and one item per problem. */
export function splitRefusal(message: string): { head: string; items: string[] } {
  const [head, rest] = splitOutside(message, colon, 1);
  if (rest === undefined) return { head: message, items: [] };
  const items = splitOutside(rest, semicolon)
    .map((x) => x.trim())
    .filter(Boolean);
  return items.length > 1 ? { head: head.trim(), items } : { head: message, items: [] };
}
