// The chosen locale as rune state: t() reads it, so every string a component shows through t()
// re-renders when the header toggle switches the language — no store subscriptions to thread.
export type Locale = 'zh-CN' | 'en';

export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
export const LOCALE_STORAGE_KEY = 'fieldcase.locale';

export function isLocale(v: unknown): v is Locale {
  return v === 'zh-CN' || v === 'en';
}

function initial(): Locale {
  // Chinese first: a clerk who never touched the toggle gets zh-CN whatever the browser says.
  try {
    const saved = globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage blocked (privacy mode) or absent (tests): the default stands.
  }
  return 'zh-CN';
}

export const localeState = $state<{ current: Locale }>({ current: initial() });
