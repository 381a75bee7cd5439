// The field app's screens live in the hash (#/inbox, #/enterprise/E-01, #/case/<id>/checklist,
// #/verify to check someone's credential), so Android's back button and a reload return to the
// same place.

export type Route =
  | { name: 'inbox' }
  | { name: 'verify' }
  | { name: 'enterprise'; id: string }
  | { name: 'case'; id: string; step: string | null };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#/, '')
    .split('?')[0]
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  if (parts[0] === 'verify') return { name: 'verify' };
  if (parts[0] === 'enterprise' && parts[1]) return { name: 'enterprise', id: parts[1] };
  if (parts[0] === 'case' && parts[1]) return { name: 'case', id: parts[1], step: parts[2] ?? null };
  return { name: 'inbox' };
}

export function routeHash(r: Route): string {
  switch (r.name) {
    case 'inbox':
      return '#/inbox';
    case 'verify':
      return '#/verify';
    case 'enterprise':
      return `#/enterprise/${encodeURIComponent(r.id)}`;
    case 'case':
      return `#/case/${encodeURIComponent(r.id)}${r.step ? `/${encodeURIComponent(r.step)}` : ''}`;
  }
}

/** Navigates (the app listens to hashchange). */
export function go(r: Route): void {
  const h = routeHash(r);
  if (globalThis.location && globalThis.location.hash !== h) globalThis.location.hash = h;
}
