// The hash router: the whole app state a reload must keep lives in the hash (#/cases?status=…),
// so the server only ever serves center.html and any prefix works.

export type Route =
  | { name: 'signin'; query: URLSearchParams }
  | { name: 'cases'; query: URLSearchParams }
  | { name: 'case'; id: string; query: URLSearchParams }
  | { name: 'conflicts'; query: URLSearchParams }
  | { name: 'alerts'; query: URLSearchParams }
  | { name: 'tasks'; query: URLSearchParams }
  | { name: 'task_new'; query: URLSearchParams }
  | { name: 'draws'; query: URLSearchParams }
  | { name: 'draw_new'; query: URLSearchParams }
  | { name: 'draw'; id: string; query: URLSearchParams }
  | { name: 'enterprises'; query: URLSearchParams }
  | { name: 'enterprise'; id: string; query: URLSearchParams }
  | { name: 'notfound'; query: URLSearchParams };

/** Pages without an id; `task_new` and `draw_new` live at #/tasks/new and #/draws/new. */
export type PageName =
  | 'signin'
  | 'cases'
  | 'conflicts'
  | 'alerts'
  | 'tasks'
  | 'task_new'
  | 'draws'
  | 'draw_new'
  | 'enterprises';

export type PageRef = PageName | { case: string } | { draw: string } | { enterprise: string };

/** Collections whose second path part is an id ("new" is the form, not an id). */
const ITEM_PAGES = { cases: 'case', draws: 'draw', enterprises: 'enterprise' } as const;
const NEW_PAGES = { tasks: 'task_new', draws: 'draw_new' } as const;

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
      case 'tasks':
      case 'draws':
      case 'enterprises':
        return { name: parts[0], query };
    }
  }
  if (parts.length === 2) {
    const [coll, rest] = parts;
    if (rest === 'new' && coll in NEW_PAGES) {
      return { name: NEW_PAGES[coll as keyof typeof NEW_PAGES], query };
    }
    if (coll in ITEM_PAGES) {
      let id: string;
      try {
        id = decodeURIComponent(rest);
      } catch {
        return { name: 'notfound', query };
      }
      return { name: ITEM_PAGES[coll as keyof typeof ITEM_PAGES], id, query };
    }
  }
  return { name: 'notfound', query };
}

function pathOf(page: PageRef): string {
  if (typeof page === 'string') {
    if (page === 'task_new') return '#/tasks/new';
    if (page === 'draw_new') return '#/draws/new';
    return `#/${page}`;
  }
  if ('case' in page) return `#/cases/${encodeURIComponent(page.case)}`;
  if ('draw' in page) return `#/draws/${encodeURIComponent(page.draw)}`;
  return `#/enterprises/${encodeURIComponent(page.enterprise)}`;
}

/** The hash for a page, with an optional query (empty values left out). */
export function hrefFor(page: PageRef, query: string | URLSearchParams = ''): string {
  const path = pathOf(page);
  const qs = typeof query === 'string' ? query.replace(/^\?/, '') : query.toString();
  return qs ? `${path}?${qs}` : path;
}
