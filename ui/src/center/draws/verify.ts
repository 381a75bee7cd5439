// The re-run check of a draw: the server draws again from the recorded seed and inputs; the
// page compares that result with the record itself, row by row, rather than trusting one flag,
// and shows what differs (the enterprise drawn at a position, or its officers).
import type { DrawnObject } from '../../lib/api/draws';

export interface RowDiff {
  order: number;
  recorded: DrawnObject | null;
  reproduced: DrawnObject | null;
  /** Which parts differ: the object, its officers (order counts: the draw is a sequence). */
  fields: ('enterprise' | 'officers')[];
}

export interface DrawComparison {
  same: boolean;
  /** The server's own verdict (it must agree with the rows; a disagreement counts as a difference). */
  serverSaysSame: boolean;
  diffs: RowDiff[];
}

const officerIds = (o: DrawnObject | null) => (o?.officers ?? []).map((x) => x.id).join('\u0000');

export function compareDraws(recorded: DrawnObject[], reproduced: DrawnObject[], serverSaysSame: boolean): DrawComparison {
  const byOrder = (list: DrawnObject[]) => new Map(list.map((o) => [o.order, o]));
  const a = byOrder(recorded);
  const b = byOrder(reproduced);
  const orders = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  const diffs: RowDiff[] = [];
  for (const order of orders) {
    const r = a.get(order) ?? null;
    const p = b.get(order) ?? null;
    const fields: RowDiff['fields'] = [];
    if (r?.enterprise_id !== p?.enterprise_id) fields.push('enterprise');
    if (officerIds(r) !== officerIds(p)) fields.push('officers');
    if (fields.length) diffs.push({ order, recorded: r, reproduced: p, fields });
  }
  return { same: diffs.length === 0 && serverSaysSame, serverSaysSame, diffs };
}
