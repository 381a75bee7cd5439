// The sunlight (high-contrast) theme: a class on <html> (field.css), remembered across starts
// (main.ts applies it before the first paint).
export const CONTRAST_KEY = 'fieldcase.contrast';
const CLASS = 'high-contrast';

export function isHighContrast(): boolean {
  return typeof document !== 'undefined' && document.documentElement.classList.contains(CLASS);
}

export function setHighContrast(on: boolean): void {
  document.documentElement.classList.toggle(CLASS, on);
  try {
    if (on) localStorage.setItem(CONTRAST_KEY, 'high');
    else localStorage.removeItem(CONTRAST_KEY);
  } catch {
    // Storage blocked: the theme still applies now, only not after a restart.
  }
}
