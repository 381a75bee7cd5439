import { describe, expect, it } from 'vitest';
import { ApiClient } from './client';
import { fetchLedger, filenameFromDisposition } from './ledgers';

describe('filenameFromDisposition', () => {
  it('prefers the UTF-8 name (Chinese survives) over the ASCII fallback', () => {
    const h = `attachment; filename="inspections-20261123.csv"; filename*=UTF-8''%E6%A3%80%E6%9F%A5%E5%8F%B0%E8%B4%A6-20261123.csv`;
    expect(filenameFromDisposition(h)).toBe('检查台账-20261123.csv');
  });

  it('reads a plain or quoted name', () => {
    expect(filenameFromDisposition('attachment; filename=ledger.xlsx')).toBe('ledger.xlsx');
    expect(filenameFromDisposition('attachment; filename="a \\"b\\".csv"')).toBe('a "b".csv');
  });

  it('drops path parts and gives up on nothing usable', () => {
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(filenameFromDisposition('attachment; filename=".."')).toBeNull();
    expect(filenameFromDisposition('attachment')).toBeNull();
    expect(filenameFromDisposition(null)).toBeNull();
    expect(filenameFromDisposition("attachment; filename*=UTF-8''%E6%ZZ")).toBeNull();
  });
});

describe('fetchLedger', () => {
  it('sends the filters and the format with the token, and names the file from the header', async () => {
    const urls: string[] = [];
    const headers: Headers[] = [];
    const api = new ApiClient({
      token: () => 'tok',
      fetch: (async (url: string, init: RequestInit) => {
        urls.push(url);
        headers.push(new Headers(init.headers));
        return new Response('a,b\n', {
          headers: { 'Content-Disposition': "attachment; filename*=UTF-8''x.csv" },
        });
      }) as unknown as typeof fetch,
    });
    const got = await fetchLedger(api, 'findings', 'status=closed&format=csv');
    expect(urls[0]).toBe('/v1/ledgers/findings?status=closed&format=csv');
    expect(headers[0].get('authorization')).toBe('Bearer tok');
    expect(got.filename).toBe('x.csv');
    expect(await got.bytes.text()).toBe('a,b\n');
  });
});
