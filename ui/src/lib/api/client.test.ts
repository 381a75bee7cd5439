import { afterEach, describe, expect, it, vi } from 'vitest';
import { setLocale, pick } from '../i18n';
import { ApiClient, nextLink, serverFromSearch } from './client';
import { listConflicts, listCases, enroll } from './center';
import { ApiError } from './error';

type Call = { url: string; init: RequestInit };

function fakeFetch(respond: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return respond(String(url), init ?? {});
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

afterEach(() => setLocale('zh-CN'));

describe('ApiClient', () => {
  it('sends the protocol header and the bearer token on every request', async () => {
    const f = fakeFetch(() => json([]));
    const api = new ApiClient({ token: () => 'tok123', fetch: f.fetch });
    await listCases(api, 'status=closed&limit=50');
    const h = new Headers(f.calls[0].init.headers);
    expect(f.calls[0].url).toBe('/v1/cases?status=closed&limit=50');
    expect(h.get('fieldcase-protocol')).toBe('1');
    expect(h.get('authorization')).toBe('Bearer tok123');
    expect(f.calls[0].init.credentials).toBe('omit');
  });

  it('sends enrollment without a token but with the protocol header', async () => {
    const f = fakeFetch(() => json({ token: 't', user: {}, server_time_ms: 1 }));
    const api = new ApiClient({ token: () => 'old', fetch: f.fetch });
    await enroll(api, { protocol: 1, code: '123456789012', device_id: 'd', public_key: 'k', label: 'l', proof: 'p' });
    const h = new Headers(f.calls[0].init.headers);
    expect(h.get('authorization')).toBeNull();
    expect(h.get('fieldcase-protocol')).toBe('1');
    expect(h.get('content-type')).toBe('application/json');
    expect(JSON.parse(String(f.calls[0].init.body)).code).toBe('123456789012');
  });

  it('prefixes another server when one is configured', async () => {
    const f = fakeFetch(() => json([]));
    const api = new ApiClient({ base: 'http://127.0.0.1:9000/', fetch: f.fetch });
    await api.get('/v1/alerts');
    expect(f.calls[0].url).toBe('http://127.0.0.1:9000/v1/alerts');
  });

  it('turns the server error body into an ApiError shown in the chosen locale', async () => {
    const body = { code: 'auth.forbidden', zh: '无权操作：center staff only', en: 'forbidden: center staff only' };
    const api = new ApiClient({ fetch: fakeFetch(() => json(body, 403)).fetch });
    const err = (await api.get('/v1/cases').catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.code, err.zh, err.en]).toEqual([403, 'auth.forbidden', body.zh, body.en]);
    expect(pick(err)).toBe(body.zh);
    setLocale('en');
    expect(pick(err)).toBe(body.en);
  });

  it('describes an answer without an error body by its status, in both languages', async () => {
    const api = new ApiClient({ fetch: fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 502 })).fetch });
    const err = (await api.get('/v1/cases').catch((e) => e)) as ApiError;
    expect(err.code).toBe('http.502');
    expect(err.zh).toBe('服务器返回错误 502。');
    expect(err.en).toBe('The server answered with error 502.');
  });

  it('reports a 401 to the sign-in handler and still throws', async () => {
    const onUnauthorized = vi.fn();
    const body = { code: 'auth.missing', zh: '缺少或无效的访问令牌', en: 'missing or invalid bearer token' };
    const api = new ApiClient({ onUnauthorized, fetch: fakeFetch(() => json(body, 401)).fetch });
    await expect(api.get('/v1/cases')).rejects.toMatchObject({ status: 401, code: 'auth.missing' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized.mock.calls[0][0].zh).toBe(body.zh);
  });

  it('does not treat a 403 as signed out', async () => {
    const onUnauthorized = vi.fn();
    const api = new ApiClient({ onUnauthorized, fetch: fakeFetch(() => json({ code: 'x', zh: 'x', en: 'x' }, 403)).fetch });
    await api.get('/v1/cases').catch(() => {});
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('turns a failed connection into a network ApiError', async () => {
    const api = new ApiClient({
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    const err = (await api.get('/v1/cases').catch((e) => e)) as ApiError;
    expect([err.status, err.code]).toEqual([0, 'client.network']);
    expect(err.zh).toContain('无法连接服务器');
  });

  it('refuses a 200 whose body is not JSON', async () => {
    const api = new ApiClient({ fetch: fakeFetch(() => new Response('<html>', { status: 200 })).fetch });
    await expect(api.get('/v1/cases')).rejects.toMatchObject({ code: 'client.bad_json' });
  });
});

describe('conflict paging', () => {
  it('asks for open conflicts and follows the Link header for the next page', async () => {
    const next = '/v1/conflicts?limit=50&after=01a2&open=true';
    const f = fakeFetch((url) => (url.includes('after=') ? json([{ id: 'b' }]) : json([{ id: 'a' }], 200, { Link: `<${next}>; rel="next"` })));
    const api = new ApiClient({ fetch: f.fetch });
    const first = await listConflicts(api, true);
    expect(f.calls[0].url).toBe('/v1/conflicts?open=true&limit=50');
    expect(first.next).toBe(next);
    const second = await listConflicts(api, true, first.next);
    expect(f.calls[1].url).toBe(next);
    expect(second.items.map((c) => c.id)).toEqual(['b']);
    expect(second.next).toBeNull();
  });
});

describe('nextLink', () => {
  it('finds rel=next among several links and ignores others', () => {
    expect(nextLink('</a?x=1>; rel="prev", </b?x=2>; rel="next"')).toBe('/b?x=2');
    expect(nextLink('</a>; rel=next')).toBe('/a');
    expect(nextLink('</a>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });
});

describe('serverFromSearch', () => {
  it('accepts an http(s) origin and nothing else', () => {
    expect(serverFromSearch('?server=http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    expect(serverFromSearch('?server=https://center.example/x/y')).toBe('https://center.example');
    expect(serverFromSearch('?server=javascript:alert(1)')).toBe('');
    expect(serverFromSearch('?server=not a url')).toBe('');
    expect(serverFromSearch('')).toBe('');
  });
});

describe('ApiClient bodies', () => {
  it('sends a raw body with its own type, and PATCH as JSON', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const api = new ApiClient({
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return new Response('{"count":1}');
      }) as unknown as typeof fetch,
    });
    await api.json('POST', '/v1/enterprises', { raw: { bytes: 'id,name\n', contentType: 'text/csv' } });
    expect(new Headers(calls[0].init.headers).get('content-type')).toBe('text/csv');
    expect(calls[0].init.body).toBe('id,name\n');
    await api.patch('/v1/tasks/T-1', { field: 'status', value: 'cancelled', seen: 3 });
    expect(calls[1].init.method).toBe('PATCH');
    expect(new Headers(calls[1].init.headers).get('content-type')).toBe('application/json');
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ field: 'status', value: 'cancelled', seen: 3 });
  });
});

describe('ApiClient token renewal', () => {
  const expired = () => json({ code: 'token.expired', zh: '访问令牌已过期', en: 'the bearer token has expired' }, 401);
  /** A center that takes only `current.token`, and answers `token.expired` to any other. */
  function center(current: { token: string }) {
    return fakeFetch((_url, init) => {
      const auth = new Headers(init.headers).get('authorization');
      return auth === `Bearer ${current.token}` ? json(['ok']) : expired();
    });
  }

  it('renews an expired token once and sends the refused request again with the new one', async () => {
    const current = { token: 'new' };
    const page = { token: 'old' };
    const f = center(current);
    const renew = vi.fn(async () => {
      page.token = current.token;
      return true;
    });
    const unauthorized = vi.fn();
    const api = new ApiClient({ token: () => page.token, fetch: f.fetch, renew, onUnauthorized: unauthorized });
    expect(await api.get('/v1/cases')).toEqual(['ok']);
    expect(f.calls.map((c) => new Headers(c.init.headers).get('authorization'))).toEqual(['Bearer old', 'Bearer new']);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(unauthorized).not.toHaveBeenCalled();
  });

  it('renews once for requests refused together', async () => {
    const current = { token: 'fresh' };
    const page = { token: 'old' };
    const f = center(current);
    let renewals = 0;
    const api = new ApiClient({
      token: () => page.token,
      fetch: f.fetch,
      renew: async () => {
        renewals++;
        await new Promise((r) => setTimeout(r, 5));
        page.token = current.token;
        return true;
      },
    });
    const answers = await Promise.all([api.get('/v1/cases'), api.get('/v1/alerts'), api.get('/v1/conflicts')]);
    expect(answers).toEqual([['ok'], ['ok'], ['ok']]);
    expect(renewals).toBe(1);
  });

  it('resends a request whose token the renewal replaced while it was on its way', async () => {
    // As the real center does: the revoked token is refused as revoked until a renewal replaces
    // it; from then on it is unknown there (`auth.missing`), which alone no renewal cures.
    const center = { token: 'old', revoked: true };
    let replaced!: () => void;
    const replacedAtCenter = new Promise<void>((r) => (replaced = r));
    const answer = (init: RequestInit) => {
      const auth = new Headers(init.headers).get('authorization');
      if (auth !== `Bearer ${center.token}`)
        return json({ code: 'auth.missing', zh: '缺少或无效的访问令牌', en: 'missing or invalid bearer token' }, 401);
      if (center.revoked) return json({ code: 'token.revoked', zh: '访问令牌已注销', en: 'revoked' }, 401);
      return json(['ok']);
    };
    // The second request reaches the center only after the renewal did.
    const f = fakeFetch(async (url, init) => {
      if (url === '/v1/alerts' && f.calls.length <= 2) await replacedAtCenter;
      return answer(init);
    });
    const page = { token: 'old' };
    const unauthorized = vi.fn();
    const renew = vi.fn(async () => {
      Object.assign(center, { token: 'new', revoked: false });
      replaced();
      // The answer takes a while to come back: the other refusal is read before it does.
      await new Promise((r) => setTimeout(r, 10));
      page.token = 'new';
      return true;
    });
    const api = new ApiClient({ token: () => page.token, fetch: f.fetch, renew, onUnauthorized: unauthorized });
    const answers = await Promise.all([api.get('/v1/cases'), api.get('/v1/alerts')]);
    expect(answers).toEqual([['ok'], ['ok']]);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(unauthorized).not.toHaveBeenCalled();
    const sent = f.calls.map((c) => `${c.url} ${new Headers(c.init.headers).get('authorization')}`);
    expect(sent.sort()).toEqual(['/v1/alerts Bearer new', '/v1/alerts Bearer old', '/v1/cases Bearer new', '/v1/cases Bearer old']);
  });

  it('renews a token the center no longer knows: a renewal whose answer was lost to a reload', async () => {
    const f = fakeFetch((_url, init) =>
      new Headers(init.headers).get('authorization') === 'Bearer new'
        ? json(['ok'])
        : json({ code: 'auth.missing', zh: '缺少或无效的访问令牌', en: 'missing or invalid bearer token' }, 401),
    );
    const page = { token: 'replaced' };
    const unauthorized = vi.fn();
    const renew = vi.fn(async () => {
      page.token = 'new';
      return true;
    });
    const api = new ApiClient({ token: () => page.token, fetch: f.fetch, renew, onUnauthorized: unauthorized });
    expect(await api.get('/v1/cases')).toEqual(['ok']);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(unauthorized).not.toHaveBeenCalled();
  });

  it('reports a refused renewal once, as the refusal of the request that needed it', async () => {
    const missing = { code: 'auth.missing', zh: '缺少或无效的访问令牌', en: 'missing or invalid bearer token' };
    const refusedRenewal = { code: 'token.renew_refused', zh: '设备未注册', en: 'device is not enrolled' };
    const f = fakeFetch((url) => (url === '/v1/token/renew' ? json(refusedRenewal, 401) : json(missing, 401)));
    const unauthorized = vi.fn();
    // As the center pages renew: a signed request of their own, without the session's token.
    const renew = async () => {
      await api.post('/v1/token/renew', { device_id: 'D-1' }, true);
      return true;
    };
    const api: ApiClient = new ApiClient({ token: () => 'old', fetch: f.fetch, renew, onUnauthorized: unauthorized });
    const err = (await api.get('/v1/cases').catch((e) => e)) as ApiError;
    expect(err.code).toBe('auth.missing');
    expect(f.calls.map((c) => c.url)).toEqual(['/v1/cases', '/v1/token/renew']);
    expect(unauthorized).toHaveBeenCalledTimes(1);
    expect(unauthorized.mock.calls[0][0].code).toBe('auth.missing');
  });

  it('does not renew twice when the renewal under way fails', async () => {
    const f = fakeFetch(() => json({ code: 'token.revoked', zh: '访问令牌已注销', en: 'revoked' }, 401));
    const unauthorized = vi.fn();
    const renew = vi.fn(async () => {
      await new Promise((r) => setTimeout(r, 10));
      return false;
    });
    const api = new ApiClient({ token: () => 'old', fetch: f.fetch, renew, onUnauthorized: unauthorized });
    const refused = (path: string) => api.get(path).then(() => null, (e: ApiError) => e.code);
    const errs = await Promise.all([refused('/v1/cases'), refused('/v1/alerts')]);
    expect(errs).toEqual(['token.revoked', 'token.revoked']);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(f.calls).toHaveLength(2);
  });

  it('sends the user to sign in when renewal fails, or the refusal is not one renewal cures', async () => {
    const f = fakeFetch(() => expired());
    const unauthorized = vi.fn();
    const renew = vi.fn(async () => false);
    const api = new ApiClient({ token: () => 'old', fetch: f.fetch, renew, onUnauthorized: unauthorized });
    const err = (await api.get('/v1/cases').catch((e) => e)) as ApiError;
    expect(err.code).toBe('token.expired');
    expect(renew).toHaveBeenCalledTimes(1);
    expect(unauthorized).toHaveBeenCalledTimes(1);
    expect(f.calls).toHaveLength(1);

    const unknown = fakeFetch(() => json({ code: 'auth.unauthorized', zh: '未登录', en: 'unknown token' }, 401));
    const renew2 = vi.fn(async () => true);
    const api2 = new ApiClient({ token: () => 'x', fetch: unknown.fetch, renew: renew2, onUnauthorized: unauthorized });
    await api2.get('/v1/cases').catch(() => null);
    expect(renew2).not.toHaveBeenCalled();
    expect(unknown.calls).toHaveLength(1);
  });

  it('tries a renewed token only once: refused again, the user signs in', async () => {
    const f = fakeFetch(() => expired());
    const unauthorized = vi.fn();
    const page = { token: 'a' };
    const api = new ApiClient({
      token: () => page.token,
      fetch: f.fetch,
      renew: async () => {
        page.token += 'a';
        return true;
      },
      onUnauthorized: unauthorized,
    });
    await api.get('/v1/cases').catch(() => null);
    expect(f.calls).toHaveLength(2);
    expect(unauthorized).toHaveBeenCalledTimes(1);
  });
});

