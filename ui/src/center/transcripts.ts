// The records (笔录) of a case, version by version. From the server's overview when it sends
// one; otherwise rebuilt from what every server answers (the per-version hash checks, the
// signature checks, and the kind named in the drafting op), without lock state or PDF.
import type { CaseDetail, TranscriptView } from '../lib/api/types';

export interface TranscriptVersionModel {
  version: number;
  content_hash: string;
  content_intact: boolean;
  /** null: not known (older server). */
  locked: boolean | null;
  pdf: string | null;
  signatures: {
    name: string;
    role: string;
    at: string;
    status: string;
    pin_confirmed_at?: string | null;
    pin_confirmed_by?: string | null;
  }[];
}

export interface TranscriptModel {
  transcript_id: string;
  kind: string;
  versions: TranscriptVersionModel[];
}

export function transcriptsOf(d: CaseDetail): TranscriptModel[] {
  if (d.view?.transcripts) return d.view.transcripts.map(fromView);
  const kinds = new Map<string, string>();
  for (const op of d.ops ?? []) {
    const b = op.payload?.body as { transcript_id?: unknown; kind?: unknown } | undefined;
    if (op.kind === 'transcript_drafted' && typeof b?.transcript_id === 'string' && typeof b.kind === 'string') {
      kinds.set(b.transcript_id, b.kind);
    }
  }
  const byId = new Map<string, TranscriptModel>();
  for (const v of d.transcripts ?? []) {
    let m = byId.get(v.transcript_id);
    if (!m) {
      m = { transcript_id: v.transcript_id, kind: kinds.get(v.transcript_id) ?? '', versions: [] };
      byId.set(v.transcript_id, m);
    }
    m.versions.push({
      version: v.version,
      content_hash: v.content_hash,
      content_intact: v.content_intact,
      locked: null,
      pdf: null,
      signatures: (d.signatures ?? [])
        .filter((s) => s.transcript_id === v.transcript_id && s.signed_version === v.version)
        .map((s) => ({
          name: s.name,
          role: s.role,
          at: s.at,
          status: s.check?.status ?? '',
          pin_confirmed_at: s.pin_confirmed_at ?? undefined,
          pin_confirmed_by: s.pin_confirmed_by ?? undefined,
        })),
    });
  }
  for (const m of byId.values()) m.versions.sort((a, b) => a.version - b.version);
  return [...byId.values()];
}

function fromView(tv: TranscriptView): TranscriptModel {
  return {
    transcript_id: tv.transcript_id,
    kind: tv.kind,
    versions: [...tv.versions]
      .sort((a, b) => a.version - b.version)
      .map((v) => ({ ...v, locked: v.locked ?? null, pdf: v.pdf ?? null })),
  };
}
