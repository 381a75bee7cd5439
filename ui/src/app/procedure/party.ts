// The party's fixed vocabularies (性别, 证件类型, 与本案关系). The values the core stores and the
// printed record shows are the Chinese terms (the core checks relation == 受委托人 for the power of
// attorney), so a choice's value is its zh-CN catalogue text and its label the current language's.
import { t, translate, type MessageKey } from '../../lib/i18n';

export const SEXES = ['male', 'female'] as const;
export const ID_TYPES = ['resident', 'passport', 'hk_mo', 'tw', 'other'] as const;
export const RELATIONS = ['legal_rep', 'head', 'agent', 'staff', 'other'] as const;

export type Vocabulary = 'sex' | 'id_type' | 'relation';

function key(vocab: Vocabulary, k: string): MessageKey {
  return `field.procedure.party.${vocab}.${k}` as MessageKey;
}

export interface Choice {
  value: string;
  label: string;
}

export function choices(vocab: Vocabulary, keys: readonly string[]): Choice[] {
  return keys.map((k) => ({ value: translate('zh-CN', key(vocab, k)), label: t(key(vocab, k)) }));
}

/** A stored value in the current language (a value from elsewhere is shown as it is). */
export function label(vocab: Vocabulary, keys: readonly string[], value: string | null | undefined): string {
  if (!value) return '';
  const k = keys.find((x) => translate('zh-CN', key(vocab, x)) === value);
  return k ? t(key(vocab, k)) : value;
}

/** The relation that needs a power of attorney (受委托人). */
export function agentValue(): string {
  return translate('zh-CN', 'field.procedure.party.relation.agent');
}
