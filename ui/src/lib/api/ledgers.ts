// Ledgers (台账): the server builds a CSV or Excel file of the cases a filter selects; the page
// fetches it with the token (an <a href> cannot carry one) and saves it under the server's name.
import type { ApiClient } from './client';

export type LedgerKind = 'inspections' | 'findings';
export type LedgerFormat = 'csv' | 'xlsx';

export const LEDGER_MEDIA_TYPES: Record<LedgerFormat, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export async function fetchLedger(
  api: ApiClient,
  kind: LedgerKind,
  query: string,
): Promise<{ bytes: Blob; filename: string | null }> {
  const { bytes, headers } = await api.file(`/v1/ledgers/${kind}`, query);
  return { bytes, filename: filenameFromDisposition(headers.get('Content-Disposition')) };
}

/**
 * The file name a `Content-Disposition` header gives: the RFC 6266 / 5987 `filename*` (UTF-8,
 * percent-encoded — how a Chinese name survives HTTP) before the plain `filename`. Path parts
 * are dropped, so a header cannot name a file outside the download folder.
 */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  let name: string | null = null;
  const star = /filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star) {
    const m = /^\s*([\w-]+)'[^']*'(.*)$/.exec(star[1].trim().replace(/^"|"$/g, ''));
    if (m) {
      try {
        name =
          m[1].toLowerCase() === 'utf-8'
            ? decodeURIComponent(m[2])
            : // ISO-8859-1, the only other charset RFC 5987 names: one byte, one character.
              m[2].replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      } catch {
        name = null;
      }
    }
  }
  if (!name) {
    const plain = /(?:^|;)\s*filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/i.exec(header);
    if (plain) {
      const v = plain[1].trim();
      name = v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
    }
  }
  const base = name?.split(/[\\/]/).pop()?.trim() ?? '';
  return base && base !== '.' && base !== '..' ? base : null;
}
