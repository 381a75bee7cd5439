// Position fixes: the desktop plugin's zeroed fix is never a fix, a typed-in position is marked
// manual, and each way of failing becomes a {code, zh, en} error the screen can show.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LocationError,
  fixFromPosition,
  isMobile,
  isZeroFix,
  locate,
  manualFix,
  manualProvider,
  pluginProvider,
  webviewProvider,
  type GeolocationPlugin,
} from './location';
import { app } from '../state.svelte';

afterEach(() => {
  app.fix = null;
});

const pos = (latitude: number, longitude: number, accuracy = 8, timestamp = Date.parse('2026-11-23T01:00:00Z')) => ({
  coords: { latitude, longitude, accuracy, altitude: null, altitudeAccuracy: null, speed: null, heading: null },
  timestamp,
});

async function rejection(p: Promise<unknown>): Promise<LocationError> {
  try {
    await p;
  } catch (e) {
    return e as LocationError;
  }
  throw new Error('expected a rejection');
}

describe('zero fix', () => {
  it('is recognised only at exactly (0, 0)', () => {
    expect(isZeroFix(0, 0)).toBe(true);
    expect(isZeroFix(0, 120.6)).toBe(false);
    expect(isZeroFix(31.2, 0)).toBe(false);
  });

  it('is rejected when a device position says (0, 0)', () => {
    expect(() => fixFromPosition(pos(0, 0), true)).toThrow(LocationError);
    try {
      fixFromPosition(pos(0, 0), true);
    } catch (e) {
      const err = e as LocationError;
      expect(err.code).toBe('location.no_fix');
      expect(err.zh).toContain('0, 0');
      expect(err.en).toContain('No valid position');
    }
  });

  it('is rejected from the plugin, and app.fix stays empty', async () => {
    const plugin: GeolocationPlugin = {
      checkPermissions: vi.fn(async () => ({ location: 'granted' as const, coarseLocation: 'granted' as const })),
      requestPermissions: vi.fn(),
      getCurrentPosition: vi.fn(async () => pos(0, 0)),
    };
    const err = await rejection(locate(pluginProvider(plugin)));
    expect(err.code).toBe('location.no_fix');
    expect(app.fix).toBeNull();
  });

  it('is refused as a manual entry too', () => {
    expect(() => manualFix('0', '0', '10')).toThrow(/0, 0/);
  });
});

describe('manual fix', () => {
  it('has source manual, no GNSS time, and the typed numbers', () => {
    expect(manualFix('31.2557', '120.6050', '15')).toEqual({
      lat: 31.2557,
      lon: 120.605,
      accuracy_m: 15,
      source: 'manual',
      fix_time: null,
    });
  });

  it('accepts a decimal comma and surrounding spaces', () => {
    expect(manualFix(' 31,25 ', '120,6', '20').lat).toBe(31.25);
  });

  it('refuses out-of-range or empty values with a clear message', () => {
    expect(() => manualFix('91', '120', '10')).toThrow(/Latitude/);
    expect(() => manualFix('31', '', '10')).toThrow(/Longitude/);
    expect(() => manualFix('31', '120', '0')).toThrow(/Accuracy/);
    expect(() => manualFix('abc', '120', '10')).toThrow(LocationError);
  });

  it('is kept as the app fix once located', async () => {
    const fix = await locate(manualProvider('31.2557', '120.605', '12'));
    expect(manualProvider('1', '2', '3').kind).toBe('manual');
    expect(app.fix).toEqual(fix);
    expect(app.fix?.source).toBe('manual');
  });
});

describe('device providers', () => {
  it('uses the plugin only on Android and iOS', () => {
    expect(isMobile('Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36')).toBe(true);
    expect(isMobile('Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)')).toBe(true);
    expect(isMobile('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15')).toBe(false);
  });

  it('gives a gnss fix with the receiver time from the plugin, asking permission first', async () => {
    const plugin: GeolocationPlugin = {
      checkPermissions: vi.fn(async () => ({ location: 'prompt' as const, coarseLocation: 'prompt' as const })),
      requestPermissions: vi.fn(async () => ({ location: 'granted' as const, coarseLocation: 'granted' as const })),
      getCurrentPosition: vi.fn(async () => pos(31.2557, 120.605, 6)),
    };
    const fix = await locate(pluginProvider(plugin));
    expect(plugin.requestPermissions).toHaveBeenCalledWith(['location']);
    expect(fix).toEqual({ lat: 31.2557, lon: 120.605, accuracy_m: 6, source: 'gnss', fix_time: '2026-11-23T01:00:00.000Z' });
    expect(app.fix).toEqual(fix);
  });

  it('says so when the plugin permission is denied', async () => {
    const plugin: GeolocationPlugin = {
      checkPermissions: vi.fn(async () => ({ location: 'denied' as const, coarseLocation: 'denied' as const })),
      requestPermissions: vi.fn(async () => ({ location: 'denied' as const, coarseLocation: 'denied' as const })),
      getCurrentPosition: vi.fn(),
    };
    expect((await rejection(pluginProvider(plugin).current())).code).toBe('location.denied');
    expect(plugin.getCurrentPosition).not.toHaveBeenCalled();
  });

  it('reports a missing or denied WebView geolocation clearly, and sends no device time', async () => {
    expect((await rejection(webviewProvider(undefined).current())).code).toBe('location.unavailable');
    const denied = {
      getCurrentPosition: (_ok: PositionCallback, fail?: PositionErrorCallback | null) =>
        fail?.({ code: 1, message: 'denied', PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3 } as GeolocationPositionError),
    } as unknown as Geolocation;
    const err = await rejection(webviewProvider(denied).current());
    expect(err.code).toBe('location.denied');
    expect(err.en).toContain('permission');
    const ok = {
      getCurrentPosition: (cb: PositionCallback) => cb(pos(31.2557, 120.605, 40) as unknown as GeolocationPosition),
    } as unknown as Geolocation;
    expect(await webviewProvider(ok).current()).toEqual({ lat: 31.2557, lon: 120.605, accuracy_m: 40, source: 'gnss', fix_time: null });
  });
});
