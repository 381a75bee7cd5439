// The words the records store. Some are codes (evidence kinds, point types, service methods);
// others are Chinese words the documents print as they are (拍照, 责令改正, 法定代表人…). Those
// live in the catalogue under `…_value.*` keys and are always read in Chinese, whatever language
// the screen is in: the stored value is the Chinese word, the label the user reads comes from
// the matching label key in the current language.
import { t, translate, type MessageKey } from '../../../lib/i18n';

/** The stored (Chinese) word of a `…_value.*` key. */
export function stored(key: MessageKey): string {
  return translate('zh-CN', key);
}

export const EVIDENCE_KINDS = ['photo', 'video', 'audio', 'doc_copy', 'electronic_data'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const METHODS = ['photo', 'video', 'audio', 'screenshot', 'copy', 'export'] as const;
export type Method = (typeof METHODS)[number];
export const methodValue = (m: Method) => stored(`field.records.method_value.${m}` as const);
export const methodLabel = (m: Method) => t(`field.records.method.${m}` as const);

export const POINT_TYPES = ['workshop_outlet', 'main_outlet', 'rain_outlet', 'boundary', 'stack', 'fugitive'] as const;
export type PointType = (typeof POINT_TYPES)[number];

export const MEASURE_KINDS = ['correction', 'preservation', 'seal_up', 'seizure'] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];
export const measureValue = (m: MeasureKind) => stored(`field.records.measure_value.${m}` as const);
export const measureLabel = (m: MeasureKind) => t(`field.records.measure.kind.${m}` as const);
/** 先行登记保存, 查封, 扣押 need the agency head's approval or the emergency path (V-19). */
export const needsApproval = (m: MeasureKind) => m !== 'correction';

export const PARTY_KINDS = ['unit', 'individual'] as const;
export const SERVICE_METHODS = ['direct', 'left', 'electronic'] as const;
export type ServiceMethod = (typeof SERVICE_METHODS)[number];

export const RELATIONS = ['legal_rep', 'in_charge', 'agent', 'employee', 'other'] as const;
export type Relation = (typeof RELATIONS)[number];
export const relationValue = (r: Relation) => stored(`field.records.relation_value.${r}` as const);
export const relationLabel = (r: Relation) => t(`field.records.relation.${r}` as const);

export const ID_TYPES = ['resident_id', 'passport', 'other'] as const;
export type IdType = (typeof ID_TYPES)[number];
export const idTypeValue = (i: IdType) => stored(`field.records.id_type_value.${i}` as const);
export const idTypeLabel = (i: IdType) => t(`field.records.id_type.${i}` as const);

export const SEXES = ['male', 'female'] as const;
export type Sex = (typeof SEXES)[number];
export const sexValue = (s: Sex) => stored(`field.records.sex_value.${s}` as const);
export const sexLabel = (s: Sex) => t(`field.records.sex.${s}` as const);

/** The standard questions of an inquiry record (domain.md §3.2), inserted in Chinese. */
export const SCRIPT = ['credentials', 'duty', 'recusal', 'identity', 'supplement', 'review'] as const;
export type ScriptLine = (typeof SCRIPT)[number];
export const scriptValue = (s: ScriptLine) => stored(`field.records.script_value.${s}` as const);
export const scriptLabel = (s: ScriptLine) => t(`field.records.script.${s}` as const);

/**
 * The label of a stored Chinese word, found by reading the stored words back; a word no list
 * knows (typed by hand, or from a newer version) is shown as it is.
 */
export function labelOfStored<V extends string>(
  all: readonly V[],
  valueOf: (v: V) => string,
  labelOf: (v: V) => string,
  word: string | null | undefined,
): string {
  if (!word) return '';
  const hit = all.find((v) => valueOf(v) === word);
  return hit ? labelOf(hit) : word;
}

export const methodText = (word: string) => labelOfStored(METHODS, methodValue, methodLabel, word);
export const measureText = (word: string) => labelOfStored(MEASURE_KINDS, measureValue, measureLabel, word);
export const relationText = (word: string) => labelOfStored(RELATIONS, relationValue, relationLabel, word);

/** A code's label where the catalogue has one (evidence kinds, point types…), else the code. */
export function evidenceKindLabel(kind: string): string {
  return (EVIDENCE_KINDS as readonly string[]).includes(kind)
    ? t(`field.records.kind.${kind as EvidenceKind}` as const)
    : kind;
}
export function pointTypeLabel(pt: string): string {
  return (POINT_TYPES as readonly string[]).includes(pt) ? t(`field.records.point_type.${pt as PointType}` as const) : pt;
}
export function serviceMethodLabel(m: string): string {
  return (SERVICE_METHODS as readonly string[]).includes(m)
    ? t(`field.records.service.method.${m as ServiceMethod}` as const)
    : m;
}

/** The method a kind is usually captured by (the user may change it). */
export function defaultMethod(kind: EvidenceKind, fromCamera: boolean): Method {
  switch (kind) {
    case 'photo':
      return 'photo';
    case 'video':
      return 'video';
    case 'audio':
      return 'audio';
    case 'doc_copy':
      return fromCamera ? 'photo' : 'copy';
    case 'electronic_data':
      return fromCamera ? 'photo' : 'export';
  }
}

/** The kind a file most likely is, from its media type. */
export function kindOfMedia(mediaType: string): EvidenceKind {
  if (mediaType.startsWith('image/')) return 'photo';
  if (mediaType.startsWith('video/')) return 'video';
  if (mediaType.startsWith('audio/')) return 'audio';
  if (mediaType === 'application/pdf') return 'doc_copy';
  return 'electronic_data';
}

/** A Beijing wall-clock time from a datetime-local input, as RFC 3339 (+08:00). */
export function beijingRfc3339(local: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) return null;
  return `${local.length === 16 ? `${local}:00` : local}+08:00`;
}
