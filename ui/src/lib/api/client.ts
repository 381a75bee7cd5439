// The HTTP client every page uses: adds the bearer token and the protocol header, turns
// refusals into ApiError, renews an expired or revoked token once (when it can) and sends the
// request again, and reports any other 401 to whoever handles signing in again.
import { ApiError, badJsonError, errorFromResponse, networkError } from './error';

/** The sync protocol this client speaks; the server answers 426 to older ones. */
export const PROTOCOL_VERSION = 1;
export const PROTOCOL_HEADER = 'fieldcase-protocol';

export interface ClientOptions {
  /** Origin of the server ('' = same origin, the normal case when the server serves the pages). */
  base?: string;
  token?: () => string | null;
  /** Called on any 401 before the error is thrown (the center app sends the user to sign in). */
  onUnauthorized?: (e: ApiError) => void;
  /** Gets a new token after `token.expired` / `token.revoked` (with the device key); true when
   *  it did, and the refused request is then sent once more with it. */
  renew?: () => Promise<boolean>;
  fetch?: typeof fetch;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestInit2 {
  query?: Query | URLSearchParams | string;
  body?: unknown;
  /** A body sent as it is (a clerk's CSV file), instead of `body` as JSON. */
  raw?: { bytes: BodyInit; contentType: string };
  /** Skip the bearer header (enrollment happens before there is a token). */
  anonymous?: boolean;
}

export interface Answer<T> {
  data: T;
  headers: Headers;
  status: number;
}

export function queryString(q: Query | URLSearchParams | string | undefined): string {
  if (q === undefined) return '';
  if (typeof q === 'string') return q.replace(/^\?/, '');
  if (q instanceof URLSearchParams) return q.toString();
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  return p.toString();
}

/** The refusals a renewed token may cure. `auth.missing` (a token the center does not know) is
 *  one: a renewal whose answer never arrived (the page reloaded, the connection dropped) leaves
 *  the page holding a token the center has already replaced, and only the device key can get it
 *  a new one. Against a center that does not know the device either, the renewal is refused and
 *  the user signs in again. A revoked device is a 403 and is not renewed. */
const RENEWABLE = new Set(['token.expired', 'token.revoked', 'auth.missing']);

export class ApiClient {
  readonly base: string;
  private readonly opts: ClientOptions;
  /** The renewal under way: requests refused together share it (a second renewal would revoke
   *  the token the first one just got). */
  private renewing: Promise<boolean> | null = null;

  constructor(opts: ClientOptions = {}) {
    this.opts = opts;
    this.base = (opts.base ?? '').replace(/\/+$/, '');
  }

  url(path: string, query?: RequestInit2['query']): string {
    const qs = queryString(query);
    const full = this.base + path;
    if (!qs) return full;
    return full + (full.includes('?') ? '&' : '?') + qs;
  }

  headers(extra: Record<string, string> = {}, anonymous = false): Headers {
    const h = new Headers(extra);
    h.set(PROTOCOL_HEADER, String(PROTOCOL_VERSION));
    const token = anonymous ? null : (this.opts.token?.() ?? null);
    if (token) h.set('Authorization', `Bearer ${token}`);
    return h;
  }

  private renewOnce(renew: () => Promise<boolean>): Promise<boolean> {
    this.renewing ??= renew()
      .catch(() => false)
      .finally(() => {
        this.renewing = null;
      });
    return this.renewing;
  }

  private async send(method: string, path: string, init: RequestInit2, retried = false): Promise<Response> {
    const doFetch = this.opts.fetch ?? globalThis.fetch.bind(globalThis);
    const hasBody = init.body !== undefined;
    const contentType = init.raw ? init.raw.contentType : hasBody ? 'application/json' : null;
    const headers = this.headers(
      contentType ? { 'Content-Type': contentType, Accept: 'application/json' } : {},
      init.anonymous,
    );
    const used = headers.get('Authorization');
    let res: Response;
    try {
      res = await doFetch(this.url(path, init.query), {
        method,
        headers,
        body: init.raw ? init.raw.bytes : hasBody ? JSON.stringify(init.body) : undefined,
        // The token is the credential; cookies play no part.
        credentials: 'omit',
      });
    } catch {
      throw networkError();
    }
    if (!res.ok) {
      const err = await errorFromResponse(res);
      if (res.status === 401) {
        const renew = this.opts.renew;
        if (renew && used && !retried) {
          // Another request may have renewed the token since this one left: then only resend.
          // A renewal still under way may be what the refusal answered (once the center has
          // replaced the token, the one this request carried is unknown there), so it is
          // waited for first, and, had it failed, not tried a second time.
          const underWay = this.renewing;
          if (underWay) await underWay;
          const renewed =
            this.headers({}).get('Authorization') !== used ||
            (!underWay && RENEWABLE.has(err.code) && (await this.renewOnce(renew)));
          if (renewed) return this.send(method, path, init, true);
        }
        // A request sent without the session's token (enrollment, the renewal itself) says
        // nothing about the session: a refused renewal is reported once, by the request that
        // asked for it.
        if (!init.anonymous) this.opts.onUnauthorized?.(err);
      }
      throw err;
    }
    return res;
  }

  async json<T>(method: string, path: string, init: RequestInit2 = {}): Promise<Answer<T>> {
    const res = await this.send(method, path, init);
    let data: T;
    try {
      data = JSON.parse(await res.text()) as T;
    } catch {
      throw badJsonError(res.status);
    }
    return { data, headers: res.headers, status: res.status };
  }

  async get<T>(path: string, query?: RequestInit2['query']): Promise<T> {
    return (await this.json<T>('GET', path, { query })).data;
  }

  async post<T>(path: string, body: unknown, anonymous = false): Promise<T> {
    return (await this.json<T>('POST', path, { body, anonymous })).data;
  }

  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await this.json<T>('PATCH', path, { body })).data;
  }

  /** Bytes of an authenticated resource (evidence originals, transcript PDFs). */
  async blob(path: string): Promise<Blob> {
    const res = await this.send('GET', path, {});
    return res.blob();
  }

  /** Bytes plus the answer's headers (a generated file names itself in Content-Disposition). */
  async file(path: string, query?: RequestInit2['query']): Promise<{ bytes: Blob; headers: Headers }> {
    const res = await this.send('GET', path, { query });
    return { bytes: await res.blob(), headers: res.headers };
  }
}

/** `Link: <url>; rel="next"` (RFC 8288) → the next page's URL, or null on the last page. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2])) return m[1];
  }
  return null;
}

/**
 * Where the API is: same origin normally; `?server=http://127.0.0.1:PORT` points a dev page at
 * another server (that server must then allow the origin, or use the Vite proxy instead).
 */
export function serverFromSearch(search: string): string {
  const raw = new URLSearchParams(search).get('server');
  if (!raw) return '';
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
    return u.origin;
  } catch {
    return '';
  }
}
