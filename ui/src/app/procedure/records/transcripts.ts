// Reading transcripts for the screens: latest versions, what a version's generated content says,
// who must still sign (the same rule the core locks by), the name the party signs with.
import type { CaseScreen } from '../../api/bindings/CaseScreen';
import type { SignerRole } from '../../api/bindings/SignerRole';
import type { Transcript } from '../../api/bindings/Transcript';
import type { TranscriptVersion } from '../../api/bindings/TranscriptVersion';
import type { JsonValue } from '../../api/bindings/serde_json/JsonValue';

export function latest(t: Transcript): TranscriptVersion | null {
  return t.versions.at(-1) ?? null;
}

function field(content: JsonValue, key: string): JsonValue {
  return content && typeof content === 'object' && !Array.isArray(content) ? (content[key] ?? null) : null;
}

/** The free text a version was drafted with (prefills a redraft or an amendment). */
export function narrativeOf(v: TranscriptVersion | null): string {
  const n = v ? field(v.content, 'narrative') : null;
  return typeof n === 'string' ? n : '';
}

export function opinionOf(v: TranscriptVersion | null): string {
  const n = v ? field(v.content, 'party_opinion') : null;
  return typeof n === 'string' ? n : '';
}

/** Who must sign a transcript: the procedure's signers, and always the interviewee for an inquiry record. */
export function requiredRoles(screen: CaseScreen, t: Transcript): SignerRole[] {
  const r = [...screen.procedure.required_signers];
  if (t.kind === 'inquiry' && !r.includes('party')) r.push('party');
  return r;
}

/** Signatures still missing from a version (a refusal stands in for the party), as the core counts them. */
export function missingRoles(required: SignerRole[], v: TranscriptVersion): SignerRole[] {
  const missing: SignerRole[] = [];
  const officersSigned = new Set(v.signatures.filter((s) => s.role === 'officer').map((s) => s.signer_id)).size;
  const officersNeeded = Math.max(0, required.filter((r) => r === 'officer').length - officersSigned);
  for (let i = 0; i < officersNeeded; i++) missing.push('officer');
  for (const role of ['party', 'witness'] as const) {
    if (required.includes(role) && !v.signatures.some((s) => s.role === role) && !(role === 'party' && v.refusal)) {
      missing.push(role);
    }
  }
  return missing;
}

/** The person a transcript's party signature belongs to: the interviewee, else the person on site. */
export function partyName(screen: CaseScreen, t: Transcript): string {
  if (t.interview_id) {
    const iv = screen.case.interviews.find((i) => i.id === t.interview_id);
    if (iv) return iv.interviewee.name;
  }
  return screen.case.party?.name ?? '';
}
