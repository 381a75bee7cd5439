// @vitest-environment jsdom
// The nearest-officer panel mounted for real: officers by distance with a recusal greyed and
// explained, the radius sent to the server, and a refusal (a random-draw task) shown as the
// server words it instead of an empty or broken panel.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import NearestPanel from './NearestPanel.svelte';

let mounted: ReturnType<typeof mount> | null = null;

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

function serve(status: number, body: unknown) {
  const urls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      urls.push(String(url));
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return urls;
}

async function render(taskId: string) {
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(NearestPanel, { target, props: { taskId } });
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
  flushSync();
  return target;
}

describe('NearestPanel', () => {
  it('lists officers nearest first and greys a recusal with its reason', async () => {
    const urls = serve(200, {
      radius_m: 3000,
      enterprise: { id: 'E-D01', name: '澄练印染', location: { lat: 30.9, lon: 120.65 } },
      officers: [
        { officer_id: 'O-SUN', name: '孙静', team: 'T2', distance_m: 1200, position: null, open_tasks: 0, excluded: 'recusal' },
        { officer_id: 'O-ZHAO', name: '赵磊', team: 'T2', distance_m: 850, position: { lat: 30.9, lon: 120.65, accuracy_m: 12, at: new Date(Date.now() - 3 * 3600e3).toISOString() }, open_tasks: 2, excluded: null },
      ],
    });
    const el = await render('T-1');
    expect(urls[0]).toBe('/v1/tasks/T-1/nearest?radius_m=3000');
    const rows = [...el.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.querySelector('td')?.textContent)).toEqual(['赵磊O-ZHAO', '孙静O-SUN']);
    expect(rows[0].textContent).toContain('850 米');
    expect(rows[0].textContent).toContain('3 小时前');
    expect(rows[1].classList.contains('excluded')).toBe(true);
    expect(rows[1].textContent).toContain('需回避');
    expect(el.textContent).toContain('共 2 人，其中可派 1 人');
  });

  it('shows the refusal for a random-draw task', async () => {
    serve(409, { code: 'dispatch.random_draw', zh: '双随机任务不能就近派单', en: 'random-draw tasks are not dispatched by proximity' });
    const el = await render('T-2');
    const banner = el.querySelector('[data-testid="error-banner"]');
    expect(banner?.getAttribute('data-code')).toBe('dispatch.random_draw');
    expect(banner?.textContent).toContain('双随机任务不能就近派单');
    expect(el.querySelector('table')).toBeNull();
  });
});
