// Shared by the records component tests: mount a step screen with a fake core, type into fields,
// draw on a signature pad, and wait for the fake's promises to settle.
import { flushSync, mount, unmount, type Component } from 'svelte';
import { vi } from 'vitest';
import { setBackend } from '../../api/backend';
import { FakeBackend, type Handlers } from '../../api/fake';
import type { CaseScreen } from '../../api/bindings/CaseScreen';
import { app } from '../../state.svelte';
import { LiveProps } from './live.svelte';

type StepProps = { screen: CaseScreen; onscreen: (s: CaseScreen) => void };

let mounted: ReturnType<typeof mount>[] = [];

export function signIn(officerId = 'O-ZHANG'): void {
  app.state = {
    device_id: 'D-TAB-07',
    public_key: '00',
    enrolled: true,
    server: null,
    user: null,
    pin_set: true,
    session: { user_id: 'U-1', name: 'Zhang Wei', role: 'inspector', officer_id: officerId, signed_in_at_ms: 0 },
    forms: [],
    locked: null,
  };
}

export function render(component: Component<StepProps>, screen: CaseScreen, handlers: Handlers = {}) {
  const fake = new FakeBackend(handlers);
  setBackend(fake);
  const onscreen = vi.fn<(s: CaseScreen) => void>();
  const target = document.createElement('div');
  document.body.appendChild(target);
  const props = new LiveProps(screen, onscreen);
  const instance = mount(component, { target, props });
  mounted.push(instance);
  flushSync();
  /** Hands the mounted step a new screen, as a re-read of the case after a sync does. */
  const rescreen = (s: CaseScreen) => {
    props.screen = s;
    flushSync();
  };
  return { target, fake, onscreen, rescreen };
}

export function cleanup(): void {
  for (const m of mounted) unmount(m);
  mounted = [];
  document.body.innerHTML = '';
  app.fix = null;
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
}

export function byTestId<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`no element [data-testid="${id}"]`);
  return el;
}

export function click(root: ParentNode, id: string): void {
  byTestId(root, id).click();
  flushSync();
}

export function type(root: ParentNode, id: string, value: string): void {
  const el = byTestId<HTMLInputElement | HTMLTextAreaElement>(root, id);
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

export function choose(root: ParentNode, id: string, value: string): void {
  const el = byTestId<HTMLSelectElement>(root, id);
  el.value = value;
  el.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}

/** Draws one stroke through the points on a pad's canvas, as a pen would. */
export function draw(root: ParentNode, padTestId: string, points: [number, number][], pointerId = 7): void {
  const canvas = byTestId<HTMLCanvasElement>(root, `${padTestId}-canvas`);
  const ev = (type: string, [x, y]: [number, number]) =>
    canvas.dispatchEvent(
      new PointerEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y, pointerId, pointerType: 'pen', pressure: 0.6 }),
    );
  ev('pointerdown', points[0]);
  for (const p of points.slice(1)) ev('pointermove', p);
  ev('pointerup', points[points.length - 1]);
  flushSync();
}
