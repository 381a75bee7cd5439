// Exclusion reasons of a draw in words, with the server's detail (which credential expired,
// which relation) kept beside them: the record must say why, not only that.
import { t, tOr } from '../../lib/i18n';

export function officerExclusion(reason: string, detail: string | null | undefined): string {
  const word = tOr(`draw.excluded_officer.${reason}`, reason);
  return detail ? t('draw.reason_detail', { word, detail }) : word;
}

export function objectExclusion(reason: string, detail: string | null | undefined): string {
  const word = tOr(`draw.excluded_object.${reason}`, reason);
  return detail ? t('draw.reason_detail', { word, detail }) : word;
}
