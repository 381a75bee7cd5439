// A draw's recorded inputs as label/value lines: what was asked for, as the server kept it
// (not as the form last showed it), so the record can be read without the form.
import { t } from '../../lib/i18n';
import { formatDate } from '../../lib/components/time';
import { joinList } from '../../lib/components/format';
import type { DrawRecord } from '../../lib/api/draws';
import { riskLabel } from '../enterprises/risk';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export function inputLines(record: Pick<DrawRecord, 'inputs' | 'annual_cap'>): { label: string; value: string }[] {
  const i = record.inputs ?? {};
  const applied = record.annual_cap;
  const all = t('draw.inputs.all');
  const lines = [
    { label: t('draw_form.area'), value: String(i.area ?? '—') },
    { label: t('draw_form.industries'), value: list(i.industries).length ? joinList(list(i.industries)) : all },
    { label: t('draw_form.flags'), value: list(i.flags).length ? joinList(list(i.flags)) : all },
    { label: t('draw_form.risks'), value: list(i.risks).length ? joinList(list(i.risks).map(riskLabel)) : all },
    { label: t('draw_form.ratio'), value: i.ratio_percent === undefined ? '—' : t('draws.ratio', { n: Number(i.ratio_percent) }) },
    { label: t('draw_form.officers_per_object'), value: String(i.officers_per_object ?? '—') },
    {
      label: t('draw_form.annual_cap'),
      value:
        i.annual_cap !== null && i.annual_cap !== undefined
          ? String(i.annual_cap)
          : applied !== null && applied !== undefined
            ? t('draw.inputs.default_cap_n', { n: applied })
            : t('draw.inputs.default_cap'),
    },
    { label: t('draw_form.due'), value: typeof i.due === 'string' && i.due ? formatDate(i.due) : '—' },
  ];
  return lines;
}
