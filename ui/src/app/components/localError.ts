// A refusal the UI itself makes (before calling the core), in the core's {code, zh, en} shape so
// ErrorBanner shows it exactly like the core's own refusals, in whichever language is chosen.
import { translate, type MessageKey, type Params } from '../../lib/i18n';
import type { AppError } from '../api/backend';

export function localError(code: string, key: MessageKey, params?: Params): AppError {
  return { code, zh: translate('zh-CN', key, params), en: translate('en', key, params) };
}
