// The hash router: the whole app state a reload must keep lives in the hash (#/cases?status=…),
// so the server only ever serves center.html and any prefix works.

export type Route =
  | { name: 'signin'; query: URLSearchParams }
  | { name: 'cases'; query: URLSearchParams }
  | { name: 'case'; id: string; query: URLSearchParams }
  | { name: 'conflicts'; query: URLSearchParams }
  | { name: 'alerts'; query: URLSearchParams }
  | { name: 'notfound'; query: URLSearchParams };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q >= 0 ? raw.slice(0, q) : raw).replace(/\/+$/, '');
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { name: 'cases', query };
  if (parts.length === 1) {
    switch (parts[0]) {
      case 'signin':
      case 'cases':
      case 'conflicts':
      case 'alerts':
        return { name: parts[0], query };
    }
  }
  if (parts.length === 2 && parts[0] === 'cases') {
    let id: string;
    try {
      id = decodeURIComponent(parts[1]);
    } catch {
      return { name: 'notfound', query };
    }
    return { name: 'case', id, query };
  }
  return { name: 'notfound', query };
}

/** The hash for a page, with an optional query (empty values left out). */
export function hrefFor(
  page: 'signin' | 'cases' | 'conflicts' | 'alerts' | { case: string },
  query: string | URLSearchParams = '',
): string {
  const path = typeof page === 'string' ? `#/${page}` : `#/cases/${encodeURIComponent(page.case)}`;
  const qs = typeof query === 'string' ? query.replace(/^\?/, '') : query.toString();
  return qs ? `${path}?${qs}` : path;
}
