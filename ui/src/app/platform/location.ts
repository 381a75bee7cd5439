// Where the device is. Three ways to a fix: the Tauri geolocation plugin on phones and tablets
// (real GNSS), the WebView's navigator.geolocation on desktops (often Wi-Fi or nothing at all), and
// a position the officer types in (always possible: a desktop has no receiver). Every failure is an
// error in the core's {code, zh, en} shape so the screen shows it like any refusal.
import { checkPermissions, getCurrentPosition, requestPermissions } from '@tauri-apps/plugin-geolocation';
import type { FixInput } from '../api/bindings/FixInput';
import type { AppError } from '../api/bindings/AppError';
import { translate, type MessageKey } from '../../lib/i18n';
import { app } from '../state.svelte';

export type LocationKind = 'plugin' | 'webview' | 'manual';

export interface LocationProvider {
  kind: LocationKind;
  current(): Promise<FixInput>;
}

/** A fix that could not be had, shaped like the core's refusals. */
export class LocationError extends Error implements AppError {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
  constructor(code: string, key: MessageKey, params?: Record<string, string | number>) {
    const en = translate('en', key, params);
    super(`[${code}] ${en}`);
    this.code = code;
    this.zh = translate('zh-CN', key, params);
    this.en = en;
  }
}

/** Phones and tablets: the only platforms where the plugin gives a real fix. */
export function isMobile(userAgent: string): boolean {
  return /Android|iPhone|iPad/.test(userAgent);
}

/** (0, 0) is what the plugin reports on desktop when it has nothing — never a real fix here. */
export function isZeroFix(lat: number, lon: number): boolean {
  return lat === 0 && lon === 0;
}

/** The minimal shape both the plugin and the WebView give. */
export interface RawPosition {
  coords: { latitude: number; longitude: number; accuracy: number };
  timestamp: number;
}

/**
 * A device position as the core takes it, or a LocationError for a zeroed or impossible one.
 * `trustedTime`: whether the position's timestamp is the receiver's (GNSS) time. The WebView stamps
 * fixes with the device clock, which would make the core's clock check (V-03) compare the clock
 * with itself, so its time is not sent.
 */
export function fixFromPosition(p: RawPosition, trustedTime: boolean): FixInput {
  const { latitude: lat, longitude: lon, accuracy } = p.coords;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || isZeroFix(lat, lon)) {
    throw new LocationError('location.no_fix', 'field.procedure.loc.no_fix');
  }
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    throw new LocationError('location.no_fix', 'field.procedure.loc.no_fix');
  }
  const time = trustedTime && Number.isFinite(p.timestamp) && p.timestamp > 0 ? new Date(p.timestamp).toISOString() : null;
  return {
    lat,
    lon,
    accuracy_m: Number.isFinite(accuracy) && accuracy >= 0 ? accuracy : 0,
    source: 'gnss',
    fix_time: time,
  };
}

/** Reads a typed number: trims, accepts a decimal comma (Chinese keyboards often give one). */
export function parseNumber(text: string | number | null | undefined): number | null {
  if (typeof text === 'number') return Number.isFinite(text) ? text : null;
  const s = (text ?? '').trim().replace(',', '.');
  if (!s || !/^[-+]?\d*\.?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** A position the officer typed in. The core flags every manual fix for audit (V-04). */
export function manualFix(
  lat: string | number | null | undefined,
  lon: string | number | null | undefined,
  accuracy: string | number | null | undefined,
): FixInput {
  const la = parseNumber(lat);
  const lo = parseNumber(lon);
  const acc = parseNumber(accuracy);
  if (la === null || la < -90 || la > 90) throw new LocationError('location.bad_manual', 'field.procedure.loc.bad_lat');
  if (lo === null || lo < -180 || lo > 180) throw new LocationError('location.bad_manual', 'field.procedure.loc.bad_lon');
  if (isZeroFix(la, lo)) throw new LocationError('location.bad_manual', 'field.procedure.loc.no_fix');
  if (acc === null || acc <= 0) throw new LocationError('location.bad_manual', 'field.procedure.loc.bad_accuracy');
  return { lat: la, lon: lo, accuracy_m: acc, source: 'manual', fix_time: null };
}

export function manualProvider(lat: string | number, lon: string | number, accuracy: string | number): LocationProvider {
  return { kind: 'manual', current: async () => manualFix(lat, lon, accuracy) };
}

/** The plugin's functions, injectable for tests. */
export interface GeolocationPlugin {
  getCurrentPosition: typeof getCurrentPosition;
  checkPermissions: typeof checkPermissions;
  requestPermissions: typeof requestPermissions;
}

const realPlugin: GeolocationPlugin = { getCurrentPosition, checkPermissions, requestPermissions };

/** The Tauri geolocation plugin (Android/iOS): asks for the permission first, then one fix. */
export function pluginProvider(plugin: GeolocationPlugin = realPlugin): LocationProvider {
  return {
    kind: 'plugin',
    async current() {
      let perm;
      try {
        perm = await plugin.checkPermissions();
        if (perm.location !== 'granted') perm = await plugin.requestPermissions(['location']);
      } catch {
        throw new LocationError('location.unavailable', 'field.procedure.loc.unavailable');
      }
      if (perm.location !== 'granted') throw new LocationError('location.denied', 'field.procedure.loc.denied');
      let pos;
      try {
        pos = await plugin.getCurrentPosition({ enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
      } catch {
        throw new LocationError('location.unavailable', 'field.procedure.loc.unavailable');
      }
      return fixFromPosition(pos, true);
    },
  };
}

/** The WebView's own geolocation (desktops): it may be missing, denied, or time out. */
export function webviewProvider(geo: Geolocation | undefined = globalThis.navigator?.geolocation): LocationProvider {
  return {
    kind: 'webview',
    current() {
      if (!geo) return Promise.reject(new LocationError('location.unavailable', 'field.procedure.loc.no_webview'));
      return new Promise<FixInput>((resolve, reject) => {
        geo.getCurrentPosition(
          (p) => {
            try {
              resolve(fixFromPosition(p, false));
            } catch (e) {
              reject(e);
            }
          },
          (err) => {
            // GeolocationPositionError codes: 1 denied, 2 unavailable, 3 timeout.
            if (err.code === 1) reject(new LocationError('location.denied', 'field.procedure.loc.denied'));
            else if (err.code === 3) reject(new LocationError('location.timeout', 'field.procedure.loc.timeout'));
            else reject(new LocationError('location.unavailable', 'field.procedure.loc.unavailable'));
          },
          { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 },
        );
      });
    },
  };
}

/** The automatic provider for this device: the plugin on mobile, the WebView elsewhere. */
export function deviceProvider(userAgent: string = globalThis.navigator?.userAgent ?? ''): LocationProvider {
  return isMobile(userAgent) ? pluginProvider() : webviewProvider();
}

/** Gets a fix and keeps it as the app's last known position (the inbox's distances use it). */
export async function locate(provider: LocationProvider): Promise<FixInput> {
  const fix = await provider.current();
  app.fix = fix;
  return fix;
}
