// @vitest-environment jsdom
// The check-in mounted for real: a typed-in position previewed against the geofence, the reason
// field that an outside fix requires (V-04) before the button works, the exact check_in command,
// the core's own V-04 refusal shown beside the button, device errors beside the locate button, and
// the recorded check-in once done.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { setLocale } from '../../lib/i18n';
import { setBackend } from '../api/backend';
import type { CaseScreen } from '../api/bindings/CaseScreen';
import type { GeofenceView } from '../api/bindings/GeofenceView';
import { FakeBackend, refusal } from '../api/fake';
import { app } from '../state.svelte';
import CheckIn from './CheckIn.svelte';
import { CASE_ID, fixtureText, freshScreen, inspectingScreen, signedIn } from './fixtures';

let mounted: ReturnType<typeof mount> | null = null;

beforeEach(() => {
  app.state = signedIn('O-ZHANG');
});

afterEach(() => {
  if (mounted) unmount(mounted);
  mounted = null;
  document.body.innerHTML = '';
  app.state = null;
  app.fix = null;
  setLocale('zh-CN');
  Reflect.deleteProperty(navigator, 'geolocation');
});

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  flushSync();
};

const OUTSIDE: GeofenceView = { distance_m: 1520, inside: false, radius_m: 300, accuracy_m: 12, has_boundary: true };
const INSIDE: GeofenceView = { distance_m: 18.4, inside: true, radius_m: 300, accuracy_m: 12, has_boundary: true };

function render(screen: CaseScreen = freshScreen()) {
  const onscreen = vi.fn<(s: CaseScreen) => void>();
  const target = document.createElement('div');
  document.body.appendChild(target);
  mounted = mount(CheckIn, { target, props: { screen, onscreen } });
  flushSync();
  return { target, onscreen };
}

const q = (el: ParentNode, testid: string) => el.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const type = (el: ParentNode, testid: string, text: string) => {
  const f = q(el, testid) as HTMLInputElement;
  f.value = text;
  f.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
};

async function enterManually(target: HTMLElement) {
  type(target, 'checkin-lat', '31.2690');
  type(target, 'checkin-lon', '120.6052');
  type(target, 'checkin-accuracy', '12');
  q(target, 'checkin-manual')!.click();
  await settle();
}

describe('CheckIn', () => {
  it('shows an outside fix and requires the reason before checking in, then sends it', async () => {
    const done = inspectingScreen();
    const fake = new FakeBackend({
      checkin_preview: () => OUTSIDE,
      step: () => ({ outcome: { case_id: CASE_ID, op_id: 'op-2', seq: 2, kind: 'checked_in', created: null, flags: [] }, screen: done }),
    });
    setBackend(fake);
    const { target, onscreen } = render();
    await enterManually(target);

    expect(fake.calls[0]).toEqual({
      name: 'checkin_preview',
      args: { case_id: CASE_ID, fix: { lat: 31.269, lon: 120.6052, accuracy_m: 12, source: 'manual', fix_time: null } },
    });
    expect(app.fix?.source).toBe('manual');
    expect(q(target, 'checkin-verdict')!.textContent).toContain('在电子围栏外');
    expect(q(target, 'checkin-distance')!.textContent).toBe('1.5 公里');
    expect(q(target, 'checkin-preview-accuracy')!.textContent).toBe('±12 米');
    expect(q(target, 'checkin-preview')!.textContent).toContain('企业边界范围');

    const reason = q(target, 'checkin-reason') as HTMLTextAreaElement;
    expect(reason).not.toBeNull();
    expect(reason.required).toBe(true);
    const commit = q(target, 'checkin-commit') as HTMLButtonElement;
    expect(commit.disabled).toBe(true);
    expect(q(target, 'checkin-reason-required')!.textContent).toBe('在电子围栏外签到须填写原因，该记录将标记供审核。');

    type(target, 'checkin-reason', '  企业厂区东扩，登记坐标未更新  ');
    expect(commit.disabled).toBe(false);
    expect(q(target, 'checkin-reason-required')).toBeNull();
    commit.click();
    await settle();
    expect(fake.calls[1]).toEqual({
      name: 'step',
      args: {
        command: {
          step: 'check_in',
          case_id: CASE_ID,
          by: 'O-ZHANG',
          fix: { lat: 31.269, lon: 120.6052, accuracy_m: 12, source: 'manual', fix_time: null },
          reason: '企业厂区东扩，登记坐标未更新',
        },
      },
    });
    expect(onscreen).toHaveBeenCalledWith(done);
  });

  it('shows the core’s V-04 refusal beside the button and opens the reason field', async () => {
    const fake = new FakeBackend({
      checkin_preview: () => INSIDE,
      step: () => {
        throw refusal('V-04', fixtureText.v04_refusal, 'you are 1520 m from the site, outside the geofence (radius 300 m, accuracy 12 m).');
      },
    });
    setBackend(fake);
    const { target, onscreen } = render();
    await enterManually(target);
    expect(q(target, 'checkin-verdict')!.textContent).toContain('在电子围栏内');
    // Inside: the field is only an optional remark for the typed-in position.
    expect((q(target, 'checkin-reason') as HTMLTextAreaElement).required).toBe(false);
    q(target, 'checkin-commit')!.click();
    await settle();
    expect(onscreen).not.toHaveBeenCalled();
    const banner = q(q(target, 'checkin-preview')!, 'error-banner')!;
    expect(banner.dataset.code).toBe('V-04');
    expect(banner.textContent).toContain(fixtureText.v04_refusal);
    expect((q(target, 'checkin-reason') as HTMLTextAreaElement).required).toBe(true);
    expect((q(target, 'checkin-commit') as HTMLButtonElement).disabled).toBe(true);
  });

  it('explains a manual position the device cannot use next to its button', async () => {
    setBackend(new FakeBackend({}));
    const { target } = render();
    type(target, 'checkin-lat', '0');
    type(target, 'checkin-lon', '0');
    type(target, 'checkin-accuracy', '5');
    q(target, 'checkin-manual')!.click();
    await settle();
    const banner = q(target, 'error-banner')!;
    expect(banner.dataset.code).toBe('location.bad_manual');
    expect(banner.textContent).toContain('0, 0');
    expect(q(target, 'checkin-preview')).toBeNull();
  });

  it('never uses a zeroed fix from the device, and says why beside "get position"', async () => {
    Object.defineProperty(navigator, 'geolocation', {
      configurable: true,
      value: { getCurrentPosition: (ok: PositionCallback) => ok({ coords: { latitude: 0, longitude: 0, accuracy: 0 }, timestamp: 1 } as GeolocationPosition) },
    });
    const fake = new FakeBackend({});
    setBackend(fake);
    const { target } = render();
    q(target, 'checkin-locate')!.click();
    await settle();
    expect(fake.calls).toEqual([]);
    expect(app.fix).toBeNull();
    expect(q(target, 'error-banner')!.dataset.code).toBe('location.no_fix');
  });

  it('says the device has no location service when the WebView has none', async () => {
    setBackend(new FakeBackend({}));
    const { target } = render();
    q(target, 'checkin-locate')!.click();
    await settle();
    expect(q(target, 'error-banner')!.textContent).toContain('本设备不提供定位功能，请手动输入坐标。');
  });

  it('shows the recorded check-in once done', () => {
    const s = inspectingScreen();
    s.case.flags = [{ code: 'V-04', zh: '手动输入的位置', en: 'manually entered position', at: '2026-11-23T09:00:05+08:00', justification: null }];
    s.case.checkin!.fix.source = 'manual';
    const { target } = render(s);
    const rec = q(target, 'checkin-recorded')!;
    expect(rec.dataset.inside).toBe('true');
    expect(q(rec, 'checkin-at')!.textContent).toBe('2026-11-23 09:00:05');
    expect(q(rec, 'checkin-recorded-distance')!.textContent).toBe('18 米');
    expect(rec.textContent).toContain('在电子围栏内');
    expect(rec.textContent).toContain('已标记供审核');
    expect(q(rec, 'checkin-flags')!.textContent).toContain('手动输入的位置');
    expect(q(target, 'checkin-locate')).toBeNull();
  });
});
