// 三色码 as words and a tone: the colour never stands alone (a colour-blind clerk, a grey
// printout), so the badge always says 红码 / 黄码 / 绿码.
import { t, tOr } from '../../lib/i18n';

export const RISKS = ['red', 'yellow', 'green'] as const;

export function riskTone(risk: string | null | undefined): 'bad' | 'warn' | 'ok' | 'neutral' {
  if (risk === 'red') return 'bad';
  if (risk === 'yellow') return 'warn';
  if (risk === 'green') return 'ok';
  return 'neutral';
}

export function riskLabel(risk: string | null | undefined): string {
  if (!risk) return t('risk.none');
  return tOr(`risk.${risk}`, risk);
}
