// t(key, params): the only way text reaches the screen. The catalogues are plain objects so the
// field app (and tests) can import them without Svelte; the locale is rune state (locale.svelte.ts).
import { en } from './en';
import { zhCN, type MessageKey } from './zh-CN';
import { LOCALE_STORAGE_KEY, LOCALES, isLocale, localeState, type Locale } from './locale.svelte';

export type { MessageKey, Locale };
export { LOCALES, isLocale };

export type Params = Record<string, string | number>;

export const catalogues: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

/** Fills `{name}` placeholders; a placeholder without a value stays visible rather than vanish. */
export function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The message in a given locale, for code that must not depend on the current one. */
export function translate(loc: Locale, key: MessageKey, params?: Params): string {
  return interpolate(catalogues[loc][key] ?? key, params);
}

/** The message in the current locale (reactive inside components). */
export function t(key: MessageKey, params?: Params): string {
  return translate(localeState.current, key, params);
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(zhCN, key);
}

/**
 * For words made from data (an op kind, a state): the catalogue's word when there is one,
 * otherwise the raw value, so an unknown kind from a newer server still shows something true.
 */
export function tOr(key: string, fallback: string, params?: Params): string {
  return isMessageKey(key) ? t(key, params) : fallback;
}

/** Text that arrives in both languages (server refusals, audit flags): the one the user reads. */
export function pick(pair: { zh?: string | null; en?: string | null }): string {
  const zh = pair.zh ?? '';
  const english = pair.en ?? '';
  if (localeState.current === 'en') return english || zh;
  return zh || english;
}

export function locale(): Locale {
  return localeState.current;
}

export function setLocale(next: Locale): void {
  localeState.current = next;
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, next);
  } catch {
    // Not kept across reloads when storage is blocked; the switch still applies now.
  }
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}
