// Case screens for the records tests, typed with the bindings so a change in the core's shapes
// breaks the tests, not the app. Values follow the electroplating demo (demo/electroplating/
// scenario.json): the same ids, times, outlets, sample and seal numbers. Free text is written in
// English here (source files outside the catalogues hold no Chinese); the words the records
// store in Chinese (拍照, 法定代表人…) come from the catalogue exactly as the screens store them.
import type { CaseScreen } from '../../api/bindings/CaseScreen';
import type { Evidence } from '../../api/bindings/Evidence';
import type { Officer } from '../../api/bindings/Officer';
import type { PartyPerson } from '../../api/bindings/PartyPerson';
import type { SignatureRecord } from '../../api/bindings/SignatureRecord';
import type { StepStatus } from '../../api/bindings/StepStatus';
import type { Transcript } from '../../api/bindings/Transcript';
import type { TranscriptPreview } from '../../api/bindings/TranscriptPreview';
import type { TranscriptVersion } from '../../api/bindings/TranscriptVersion';
import type { StepDone } from '../../api/bindings/StepDone';
import { methodValue, relationValue, idTypeValue, sexValue } from './values';

export const CASE_ID = 'C-2026-1123-0001';

/** A SHA-256-looking hex string from a seed (distinct per seed, 64 characters). */
export function hex(seed: string): string {
  let h = 0x811c9dc5;
  let out = '';
  while (out.length < 64) {
    for (const c of seed + out.length) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

const officer = (id: string, name: string, number: string): Officer => ({
  id,
  name,
  agency: 'Suzhou Ecology and Environment Bureau',
  role: 'officer',
  credential: { number, kind: 'administrative enforcement credential', valid_from: '2024-01-01', valid_to: '2028-12-31', areas: ['3205'] },
  conflicts: [],
  areas: [],
});

export const ZHANG = officer('O-ZHANG', 'Zhang Wei', '32050019001');
export const LI = officer('O-LI', 'Li Na', '32050019002');

export const PARTY: PartyPerson = {
  name: 'Chen Jianguo',
  sex: sexValue('male'),
  id_type: idTypeValue('resident_id'),
  id_number: '320506197503121234',
  title: 'General manager',
  phone: '13812345678',
  address: null,
  relation: relationValue('legal_rep'),
  power_of_attorney: null,
};

export function photo(id: string, proves: string, o: Partial<Evidence> = {}): Evidence {
  return {
    id,
    kind: 'photo',
    sha256: hex(id),
    captured_at: '2026-11-23T09:12:00+08:00',
    fix: { point: { lat: 31.2556, lon: 120.6051 }, accuracy_m: 6, source: 'gnss', fix_time: null },
    device_id: 'D-TAB-07',
    captured_by: 'O-LI',
    method: methodValue('photo'),
    proves,
    in_app: true,
    provenance: null,
    covert: false,
    item_id: null,
    location_reason: null,
    copy_confirmed: null,
    media_type: 'image/jpeg',
    exif: null,
    copy_sha256: hex(`${id}-copy`),
    thumb_sha256: hex(`${id}-thumb`),
    ...o,
  };
}

export function signature(role: SignatureRecord['role'], signer_id: string, name: string): SignatureRecord {
  return {
    role,
    signer_id,
    name,
    at: '2026-11-23T10:40:00+08:00',
    content_hash: hex('content'),
    strokes_sha256: hex(`strokes-${signer_id}`),
    device_id: 'D-TAB-07',
    device_signature: 'sig',
    image_sha256: null,
  };
}

export function version(n: number, o: Partial<TranscriptVersion> = {}): TranscriptVersion {
  return {
    version: n,
    content: { kind: 'onsite', narrative: 'Nickel line running; hood extraction stopped.', party_opinion: null },
    content_hash: hex(`content-${n}`),
    drafted_at: '2026-11-23T10:30:00+08:00',
    supersedes: n > 1 ? n - 1 : null,
    amend_reason: null,
    signatures: [],
    refusal: null,
    locked_at: null,
    ...o,
  };
}

export function onsiteTranscript(versions: TranscriptVersion[]): Transcript {
  return { id: 'TR-ONSITE', kind: 'onsite', interview_id: null, versions };
}

const step = (id: StepStatus['kind'], required: boolean, done: boolean, blocked: [string, string] | null = null): StepStatus => ({
  id,
  kind: id,
  title_zh: id,
  title_en: id[0].toUpperCase() + id.slice(1),
  required,
  done,
  blocked,
});

/** The demo case mid-visit: on site, credentials shown, notice given, three photos taken. */
export function demoScreen(): CaseScreen {
  return {
    case: {
      id: CASE_ID,
      task_id: 'T-2026-1123-01',
      enterprise_id: 'E-EP01',
      procedure: { id: 'inspection', version: '2025.1' },
      checklists: [{ id: 'electroplating', version: '2025.1' }],
      team: ['O-ZHANG', 'O-LI'],
      status: 'on_site',
      opened_at: '2026-11-23T09:00:00+08:00',
      opened_by: 'O-ZHANG',
      checkin: {
        at: '2026-11-23T09:00:00+08:00',
        fix: { point: { lat: 31.2557, lon: 120.605 }, accuracy_m: 8, source: 'gnss', fix_time: '2026-11-23T09:00:00+08:00' },
        distance_m: 12,
        inside_geofence: true,
        reason: null,
        time_uncertain: false,
      },
      credentials: [
        { officer_id: 'O-ZHANG', name: ZHANG.name, credential_number: '32050019001', at: '2026-11-23T09:02:00+08:00', evidence_id: null },
        { officer_id: 'O-LI', name: LI.name, credential_number: '32050019002', at: '2026-11-23T09:02:30+08:00', evidence_id: null },
      ],
      party: PARTY,
      notice: {
        notice_id: 'notice-2025.1',
        text_zh: 'notice',
        at: '2026-11-23T09:05:00+08:00',
        credentials_seen: true,
        recusal_requested: false,
        recusal_reason: null,
      },
      answers: {},
      retired_answers: [],
      migrations: [],
      evidence: [
        photo('EV-OUTLET', 'Workshop outlet DW001 and its sign'),
        photo('EV-TANK', 'Hood extraction at the nickel tank stopped', { item_id: 'EP-11' }),
        {
          ...photo('EV-VIDEO', 'Party refusing to sign', { kind: 'video', method: methodValue('video') }),
          media_type: 'video/mp4',
          copy_sha256: null,
          thumb_sha256: null,
          in_app: false,
          provenance: 'imported file body-cam-0012.mp4',
        },
      ],
      samples: [],
      interviews: [],
      notes: [],
      transcripts: [],
      measures: [],
      penalties: [],
      services: [],
      flags: [],
      departed_at: null,
      closed_at: null,
    },
    steps: [
      step('checkin', true, true),
      step('credentials', true, true),
      step('notice', true, true),
      step('checklist', true, false),
      step('sampling', false, false),
      step('evidence', true, true),
      step('interview', false, false),
      step('transcript', true, false, ['needs the checklist first', 'needs the checklist first']),
      step('signature', true, false, ['needs a transcript first', 'needs a transcript first']),
      step('print', false, false),
      step('close', true, false),
    ],
    procedure: {
      id: 'inspection',
      name_zh: 'inspection',
      name_en: 'Enforcement inspection',
      actor: 'officer',
      min_officers: 2,
      geofence_radius_m: 300,
      required_evidence: 1,
      required_signers: ['officer', 'officer', 'party'],
      covert_allowed: true,
      notice: null,
      step_kinds: ['checkin', 'credentials', 'notice', 'checklist', 'sampling', 'evidence', 'interview', 'transcript', 'signature', 'print', 'close'],
    },
    checklist: {
      sections: [
        {
          form_id: 'electroplating',
          zh: 'Plating lines',
          en: 'Plating lines',
          rows: [
            {
              form_id: 'electroplating',
              item_id: 'EP-11',
              instance: null,
              q_zh: 'Tank-side extraction running?',
              q_en: 'Tank-side extraction running?',
              ans: 'tri',
              unit: null,
              options: [],
              limits: [],
              evidence_rule: 'fail',
              min_photos: null,
              basis: [],
              required: true,
              answer: null,
            },
          ],
        },
      ],
      answered: 0,
      total: 1,
      gaps: [['EP-11 unanswered', 'EP-11 unanswered']],
    },
    team: [
      { officer: ZHANG, shown: true, credential_valid: true },
      { officer: LI, shown: true, credential_valid: true },
    ],
    enterprise: {
      id: 'E-EP01',
      uscc: '91320506MA1XYZ1234',
      name: 'Suzhou Wuzhong Demo Electroplating Co., Ltd.',
      address: '88 Jinfeng Road, Wuzhong electroplating park, Suzhou',
      area: '320506',
      legal_rep: PARTY.name,
      location: { lat: 31.2556, lon: 120.6052 },
      boundary: null,
      industry_codes: ['C3360'],
      flags: ['special_limits', 'has_permit'],
      permit_limits: [],
      units: { outlet: ['DW001', 'DW002'] },
      risk: 'yellow',
      past_inspections: [],
    },
    sync: { case_id: CASE_ID, links_pending: 4, rejected: 0, blobs_pending: 2 },
    review: null,
    on_team: true,
  };
}

/** The demo screen with an on-site transcript signed by both officers, waiting for the party. */
export function screenAwaitingParty(): CaseScreen {
  const s = demoScreen();
  s.case.transcripts = [
    onsiteTranscript([
      version(1),
      version(2, { signatures: [signature('officer', 'O-ZHANG', ZHANG.name), signature('officer', 'O-LI', LI.name)] }),
    ]),
  ];
  return s;
}

export function done(screen: CaseScreen, kind = 'step', created: string | null = null): StepDone {
  return {
    outcome: { case_id: screen.case.id, op_id: 'OP-1', seq: 1, kind, created, flags: [] },
    screen,
  };
}

export const PREVIEW: TranscriptPreview = {
  pages: ['data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==', 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggh=='],
  pdf_sha256: hex('pdf'),
  pdf_bytes: 48213,
  record_no: 'SZHJ-XC-2026-0001',
  locked: false,
};
