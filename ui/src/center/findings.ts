// A finding's sentence, whichever shape carries it: the overview's findings[] say `finding`,
// the finding inside answers[] is the device's record and says `text`.
import { t } from '../lib/i18n';
import type { FindingView } from '../lib/api/types';

export function findingText(f: Partial<FindingView> | null | undefined): string {
  return f?.finding || f?.text || '';
}

/**
 * How far over a limit a measurement is. The server's `factor` is measured ÷ limit (0.32 vs 0.1
 * gives 3.2), so it is worded as "3.2 times the limit" — not 超标倍数, which by the monitoring
 * standards is (measured − limit) ÷ limit and would be 2.2 here.
 */
export function limitText(exceeded: boolean, factor: number | null | undefined): string {
  if (!exceeded) return t('finding.within');
  if (factor === null || factor === undefined || !Number.isFinite(factor)) return t('finding.exceeded');
  return t('finding.factor', { factor: Number(factor.toFixed(2)) });
}
