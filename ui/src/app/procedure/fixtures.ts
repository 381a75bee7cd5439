// Case screens for the procedure tests, typed with the generated bindings so a change in the core's
// shapes breaks them at compile time. The data follow the electroplating demo (demo/electroplating:
// reference.json and scenario.json) and the real forms (forms/checklists/*.yaml, procedures/
// inspection.yaml). The Chinese words live in fixtures.zh.json: source files carry no Chinese.
import type { CaseScreen } from '../api/bindings/CaseScreen';
import type { StepStatus } from '../api/bindings/StepStatus';
import type { StepKind } from '../api/bindings/StepKind';
import type { ItemRow } from '../api/bindings/ItemRow';
import type { Answer } from '../api/bindings/Answer';
import type { TeamMember } from '../api/bindings/TeamMember';
import type { Officer } from '../api/bindings/Officer';
import type { Evidence } from '../api/bindings/Evidence';
import type { CheckIn } from '../api/bindings/CheckIn';
import type { ChecklistView } from '../api/bindings/ChecklistView';
import type { Enterprise } from '../api/bindings/Enterprise';
import type { PartyPerson } from '../api/bindings/PartyPerson';
import type { AppState } from '../api/bindings/AppState';
import type { CredentialCard } from '../api/bindings/CredentialCard';
import type { CredentialClaims } from '../api/bindings/CredentialClaims';
import type { CredentialVerdict } from '../api/bindings/CredentialVerdict';
import zh from './fixtures.zh.json';

export { zh as fixtureText };

export const CASE_ID = 'C-2026-1123-0001';
export const ME = 'O-ZHANG';

type StepDef = { id: string; kind: StepKind; required: boolean; after: string[]; en: string };

/** forms/procedures/inspection.yaml's steps (sampling required: the demo task needs sampling). */
const STEPS: StepDef[] = [
  { id: 'checkin', kind: 'checkin', required: true, after: [], en: 'Location check-in' },
  { id: 'credentials', kind: 'credentials', required: true, after: ['checkin'], en: 'Show credentials' },
  { id: 'notice', kind: 'notice', required: true, after: ['credentials'], en: 'Rights notice and recusal' },
  { id: 'checklist', kind: 'checklist', required: true, after: ['notice'], en: 'Inspection checklist' },
  { id: 'sampling', kind: 'sampling', required: true, after: ['notice'], en: 'Sampling' },
  { id: 'evidence', kind: 'evidence', required: true, after: ['checkin'], en: 'Evidence' },
  { id: 'interview', kind: 'interview', required: false, after: ['notice'], en: 'Interview' },
  { id: 'transcript', kind: 'transcript', required: true, after: ['checklist', 'sampling', 'evidence', 'interview'], en: 'Transcript' },
  { id: 'signature', kind: 'signature', required: true, after: ['transcript'], en: 'Signatures' },
  { id: 'print', kind: 'print', required: false, after: ['signature'], en: 'Print' },
  { id: 'close', kind: 'close', required: true, after: ['signature'], en: 'Close' },
];

const titleZh = (id: string) => (zh.step as Record<string, string>)[id];

/** The step bar the core would send, given which steps are done (the core's `blocked_by` rule:
 *  the `after` steps that are required and not done). Print and interview are "done" by nature. */
export function stepStatuses(done: string[]): StepStatus[] {
  const isDone = (id: string) => done.includes(id) || id === 'print' || id === 'interview';
  return STEPS.map((s) => {
    const missing = s.after.map((a) => STEPS.find((x) => x.id === a)!).filter((a) => a.required && !isDone(a.id));
    return {
      id: s.id,
      kind: s.kind,
      title_zh: titleZh(s.id),
      title_en: s.en,
      required: s.required,
      done: isDone(s.id),
      blocked: missing.length
        ? [
            zh.blocked_prefix.replace('{title}', titleZh(s.id)).replace('{list}', missing.map((m) => titleZh(m.id)).join(zh.sep)),
            `“${s.en}” needs these steps first: ${missing.map((m) => m.en).join(', ')}`,
          ]
        : null,
    };
  });
}

function officer(id: string, name: string, number: string): Officer {
  return {
    id,
    name,
    agency: zh.agency,
    role: 'officer',
    credential: { number, kind: zh.cred_kind, valid_from: '2024-01-01', valid_to: '2028-12-31', areas: ['3205'] },
    conflicts: [],
  };
}

export const OFFICERS = {
  zhang: officer('O-ZHANG', zh.zhang, '32050019001'),
  li: officer('O-LI', zh.li, '32050019002'),
};

export const ENTERPRISE: Enterprise = {
  id: 'E-EP01',
  uscc: '91320506MA1XYZ1234',
  name: zh.ent_name,
  address: zh.ent_address,
  area: '320506',
  legal_rep: zh.legal_rep,
  location: { lat: 31.2556, lon: 120.6052 },
  boundary: [
    { lat: 31.2548, lon: 120.6041 },
    { lat: 31.2548, lon: 120.6063 },
    { lat: 31.2564, lon: 120.6063 },
    { lat: 31.2564, lon: 120.6041 },
  ],
  industry_codes: ['C3360'],
  flags: ['special_limits', 'has_permit'],
  permit_limits: [{ item: 'EP-07', param: null, instance: null, value: 0.1, source: zh.permit_source }],
  units: { outlet: ['DW001', 'DW002'] },
  risk: 'yellow',
  past_inspections: [{ date: '2026-03-14', source: 'random_draw', findings: [] }],
};

export const EVIDENCE: Evidence[] = [
  {
    id: 'EV-01',
    kind: 'photo',
    sha256: 'a3f1c0de'.repeat(8),
    captured_at: '2026-11-23T09:20:00+08:00',
    fix: { point: { lat: 31.2556, lon: 120.6051 }, accuracy_m: 6, source: 'gnss' },
    device_id: 'D-TAB-01',
    captured_by: 'O-LI',
    method: zh.method_photo,
    proves: zh.evidence.outlet,
    in_app: true,
    covert: false,
    media_type: 'image/png',
  },
  {
    id: 'EV-02',
    kind: 'photo',
    sha256: 'b7e2aa01'.repeat(8),
    captured_at: '2026-11-23T09:24:00+08:00',
    fix: { point: { lat: 31.2557, lon: 120.6052 }, accuracy_m: 6, source: 'gnss' },
    device_id: 'D-TAB-01',
    captured_by: 'O-LI',
    method: zh.method_photo,
    proves: zh.evidence.tank,
    in_app: true,
    covert: false,
    item_id: 'EP-11',
    media_type: 'image/jpeg',
  },
];

export const CHECKIN: CheckIn = {
  at: '2026-11-23T09:00:05+08:00',
  fix: { point: { lat: 31.2557, lon: 120.605 }, accuracy_m: 8, source: 'gnss', fix_time: '2026-11-23T09:00:00+08:00' },
  distance_m: 18.4,
  inside_geofence: true,
  reason: null,
  time_uncertain: false,
};

export const PARTY: PartyPerson = {
  name: zh.party.name,
  sex: zh.party.sex,
  id_type: zh.party.id_type,
  id_number: '320506197503121234',
  title: zh.party.title,
  phone: '13812345678',
  address: null,
  relation: zh.party.relation,
  power_of_attorney: null,
};

const ANSWER_CM02: Answer = {
  form_id: 'common',
  item_id: 'CM-02',
  value: 'compliant',
  evidence: [],
  at: '2026-11-23T09:30:00+08:00',
  by: 'O-ZHANG',
};

const ANSWER_EP07: Answer = {
  form_id: 'electroplating',
  item_id: 'EP-07',
  value: 0.32,
  evidence: ['EV-01'],
  at: '2026-11-23T09:40:00+08:00',
  by: 'O-ZHANG',
  finding: {
    text: zh.finding['EP-07'],
    question_zh: zh.q['EP-07'],
    limits: [
      { value: 0.32, limit: '<= 0.1', source: 'permit', reference: zh.permit_source, exceeded: true, verified: true, factor: 3.2 },
    ],
    basis: [{ text: zh.basis.water10, instrument_id: 'water-law', version: zh.version, verified: true }],
    penalty: [{ text: zh.penalty['EP-07'], instrument_id: 'water-law', version: zh.version, verified: true }],
    escalate: null,
  },
};

const ANSWER_EP11: Answer = {
  form_id: 'electroplating',
  item_id: 'EP-11',
  value: 'non_compliant',
  evidence: ['EV-02'],
  at: '2026-11-23T09:42:00+08:00',
  by: 'O-ZHANG',
  finding: {
    text: zh.finding['EP-11'],
    question_zh: zh.q['EP-11'],
    limits: [],
    basis: [{ text: zh.basis['EP-11'], instrument_id: 'permit-reg', version: null, verified: false }],
    penalty: [
      { text: zh.penalty['EP-11a'], instrument_id: 'permit-reg', version: '2021', verified: true },
      { text: zh.penalty['EP-11b'], instrument_id: 'air-law', version: '2018', verified: true },
    ],
    escalate: null,
  },
};

function row(r: Partial<ItemRow> & Pick<ItemRow, 'form_id' | 'item_id' | 'ans' | 'q_zh' | 'q_en'>): ItemRow {
  return {
    instance: null,
    unit: null,
    options: [],
    limits: [],
    evidence_rule: 'req',
    min_photos: null,
    basis: [],
    required: ['tri', 'bool', 'choice', 'doc'].includes(r.ans),
    answer: null,
    ...r,
  };
}

/** A checklist part way through: answered rows, findings, a per-outlet item, every number shape. */
export function checklistView(): ChecklistView {
  const sections = [
    {
      form_id: 'common',
      zh: zh.sec.eia,
      en: 'EIA and acceptance',
      rows: [
        row({ form_id: 'common', item_id: 'CM-01', ans: 'doc', evidence_rule: 'fail', q_zh: zh.q['CM-01'], q_en: 'EIA approval or registration obtained', basis: [zh.basis['CM-01']] }),
        row({
          form_id: 'common',
          item_id: 'CM-02',
          ans: 'tri',
          evidence_rule: 'fail',
          q_zh: zh.q['CM-02'],
          q_en: 'No major change versus EIA (nature/scale/site/process/abatement)',
          basis: [zh.basis['CM-02a'], zh.basis['CM-02b']],
          answer: ANSWER_CM02,
        }),
      ],
    },
    {
      form_id: 'common',
      zh: zh.sec.permit,
      en: 'Discharge permit',
      rows: [
        row({ form_id: 'common', item_id: 'CM-04a', ans: 'choice', evidence_rule: 'opt', options: zh.options_class, q_zh: zh.q['CM-04a'], q_en: 'Permit management class', basis: [zh.basis['CM-04a']] }),
      ],
    },
    {
      form_id: 'permit_list',
      zh: zh.sec.outlet,
      en: 'Outlets',
      rows: ['DW001', 'DW002'].map((instance) =>
        row({ form_id: 'permit_list', item_id: 'PP-05', instance, ans: 'tri', q_zh: zh.q['PP-05'], q_en: 'Outlets match permit; signage', basis: [zh.basis['PP-05']] }),
      ),
    },
    {
      form_id: 'electroplating',
      zh: zh.sec.ww_monitoring,
      en: 'Wastewater monitoring',
      rows: [
        row({
          form_id: 'electroplating',
          item_id: 'EP-05',
          ans: 'num',
          unit: 'mg/L',
          q_zh: zh.q['EP-05'],
          q_en: 'Cr(VI) at workshop outlet',
          basis: [zh.basis.water10],
          limits: [{ value: 0, limit: '<= 0.1', source: 'alt:special_limits', reference: zh.ref.t3, exceeded: false, verified: true }],
        }),
        row({
          form_id: 'electroplating',
          item_id: 'EP-07',
          ans: 'num',
          unit: 'mg/L',
          q_zh: zh.q['EP-07'],
          q_en: 'Total Ni at workshop outlet',
          basis: [zh.basis.water10],
          limits: [{ value: 0, limit: '<= 0.1', source: 'permit', reference: zh.permit_source, exceeded: false, verified: true }],
          answer: ANSWER_EP07,
        }),
        row({
          form_id: 'electroplating',
          item_id: 'EP-08',
          ans: 'num',
          unit: 'mg/L',
          q_zh: zh.q['EP-08'],
          q_en: 'Cd/Pb/Hg/Ag at workshop outlet (as applicable)',
          basis: [zh.basis.water10],
          limits: [
            { param: zh.params.cd, value: 0, limit: '<= 0.01', source: 'alt:special_limits', reference: zh.ref.t3, exceeded: false, verified: true },
            { param: zh.params.pb, value: 0, limit: '<= 0.1', source: 'alt:special_limits', reference: zh.ref.t3, exceeded: false, verified: true },
            { param: zh.params.hg, value: 0, limit: '<= 0.005', source: 'alt:special_limits', reference: zh.ref.t3, exceeded: false, verified: true },
            { param: zh.params.ag, value: 0, limit: '<= 0.1', source: 'alt:special_limits', reference: zh.ref.t3, exceeded: false, verified: true },
          ],
        }),
      ],
    },
    {
      form_id: 'electroplating',
      zh: zh.sec.gas,
      en: 'Waste gas',
      rows: [
        row({
          form_id: 'electroplating',
          item_id: 'EP-11',
          ans: 'tri',
          q_zh: zh.q['EP-11'],
          q_en: 'Tank-side extraction and scrubbers running',
          basis: [zh.basis['EP-11']],
          answer: ANSWER_EP11,
        }),
        row({
          form_id: 'electroplating',
          item_id: 'EP-12',
          ans: 'num',
          unit: 'mg/m³',
          evidence_rule: 'opt',
          q_zh: zh.q['EP-12'],
          q_en: 'Stack acid mists/HCN/NOx/F',
          basis: [zh.basis.air18],
          limits: [
            { param: zh.params.cr_mist, value: 0, limit: '<= 0.05', source: 'default', reference: zh.ref.t5, exceeded: false, verified: false },
            { param: zh.params.hcl, value: 0, limit: '<= 30', source: 'default', reference: zh.ref.t5, exceeded: false, verified: false },
          ],
        }),
      ],
    },
    {
      form_id: 'hazardous_waste',
      zh: zh.sec.manifest,
      en: '',
      rows: [
        row({ form_id: 'hazardous_waste', item_id: 'HW-13a', ans: 'text', evidence_rule: 'opt', q_zh: zh.q['HW-13a'], q_en: 'Number of the manifest checked', basis: [zh.basis['HW-13a']] }),
      ],
    },
  ];
  const rows = sections.flatMap((s) => s.rows);
  return {
    sections,
    answered: rows.filter((r) => r.answer).length,
    total: rows.length,
    gaps: [
      [zh.gap['CM-01'], 'item CM-01 not answered'],
      [zh.gap['CM-04a'], 'item CM-04a not answered'],
    ],
  };
}

function team(shown: string[]): TeamMember[] {
  return [OFFICERS.zhang, OFFICERS.li].map((o) => ({ officer: o, shown: shown.includes(o.id), credential_valid: true }));
}

/** A case as just opened: nothing recorded, check-in is next. */
export function freshScreen(): CaseScreen {
  return {
    case: {
      id: CASE_ID,
      task_id: 'T-2026-1123-01',
      enterprise_id: 'E-EP01',
      procedure: { id: 'inspection', version: '2025.1' },
      checklists: [
        { id: 'electroplating', version: '2025.1' },
        { id: 'permit_list', version: '2025.1' },
      ],
      team: ['O-ZHANG', 'O-LI'],
      status: 'open',
      opened_at: '2026-11-23T08:58:00+08:00',
      opened_by: 'O-ZHANG',
      checkin: null,
      credentials: [],
      party: null,
      notice: null,
      answers: {},
      retired_answers: [],
      migrations: [],
      evidence: [],
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
    steps: stepStatuses([]),
    procedure: {
      id: 'inspection',
      name_zh: zh.proc_name,
      name_en: 'Enforcement inspection',
      actor: 'officer',
      min_officers: 2,
      geofence_radius_m: 300,
      required_evidence: 1,
      required_signers: ['officer', 'officer', 'party'],
      covert_allowed: true,
      notice: { id: 'notice-2025.1', text_zh: zh.notice, text_en: 'We are enforcement officers of the ecology and environment bureau; these are our credentials, please check them. Have you seen our credentials clearly? Do you request recusal?' },
      step_kinds: STEPS.map((s) => s.kind),
    },
    checklist: { ...checklistView(), sections: [], answered: 0, total: 0, gaps: [] },
    team: team([]),
    enterprise: structuredClone(ENTERPRISE),
    sync: { case_id: CASE_ID, links_pending: 1, rejected: 0, blobs_pending: 0 },
    review: null,
    on_team: true,
  };
}

/** Checked in, credentials shown, notice given; the checklist part way through. */
export function inspectingScreen(): CaseScreen {
  const s = freshScreen();
  s.case.status = 'on_site';
  s.case.checkin = structuredClone(CHECKIN);
  s.case.credentials = [
    { officer_id: 'O-ZHANG', name: zh.zhang, credential_number: '32050019001', at: '2026-11-23T09:02:00+08:00', evidence_id: null },
    { officer_id: 'O-LI', name: zh.li, credential_number: '32050019002', at: '2026-11-23T09:02:30+08:00', evidence_id: null },
  ];
  s.case.party = structuredClone(PARTY);
  s.case.notice = {
    notice_id: 'notice-2025.1',
    text_zh: zh.notice,
    at: '2026-11-23T09:05:00+08:00',
    credentials_seen: true,
    recusal_requested: false,
    recusal_reason: null,
  };
  s.case.evidence = structuredClone(EVIDENCE);
  s.case.answers = { 'CM-02': ANSWER_CM02, 'EP-07': ANSWER_EP07, 'EP-11': ANSWER_EP11 };
  s.steps = stepStatuses(['checkin', 'credentials', 'notice', 'evidence']);
  s.checklist = checklistView();
  s.team = team(['O-ZHANG', 'O-LI']);
  s.sync = { case_id: CASE_ID, links_pending: 14, rejected: 0, blobs_pending: 2 };
  return s;
}

/** The app signed in as `officer` (every step's `by` is me()). */
export function signedIn(officer: string = ME): AppState {
  return {
    device_id: 'D-TAB-01',
    public_key: '00'.repeat(32),
    enrolled: true,
    server: 'https://center.example',
    user: { user_id: 'U-ZHANG', name: zh.zhang, role: 'inspector', area: '3205', team: 'T-SZ', officer_id: officer },
    pin_set: true,
    session: { user_id: 'U-ZHANG', name: zh.zhang, role: 'inspector', officer_id: officer, signed_in_at_ms: 1795480000000 },
    forms: [
      ['inspection', '2025.1'],
      ['electroplating', '2025.1'],
    ],
    locked: null,
  };
}

// ---- Credentials (issue 7): center-signed tokens, their verdicts and the 亮证 card ----

/** A token as the center signs it: `FC1.<kid>.<payload>.<sig>` (shortened: the tests read it
 *  as text; the QR modules below are a stand-in, not this token's code). */
export const TOKEN = 'FC1.k-2026a.eyJ0aWQiOiIwMTkzIiwibmFtZSI6InpoYW5nIn0.c2lnbmF0dXJlLWJ5dGVz';
export const KID = 'k-2026a';
/** 2026-01-05 10:00:00 in Beijing: when the center signed the token. */
export const ISSUED_AT_MS = Date.UTC(2026, 0, 5, 2, 0, 0);
/** 2026-11-23 09:00:00 in Beijing: the revocation list's issue time. */
export const REVOCATIONS_AT_MS = Date.UTC(2026, 10, 23, 1, 0, 0);
/** 2026-11-23 00:30 in Beijing (still the 22nd in UTC): when a credential was revoked. */
export const REVOKED_AT_MS = Date.UTC(2026, 10, 22, 16, 30, 0);
export const REVOKED_REASON = zh.revoked_reason;
export const MALFORMED_REASON = "expected 4 parts separated by '.', found 1";

/** A small code (7 × 7) whose modules the tests count. */
export const QR_ROWS = ['1110111', '1000001', '1011101', '0000000', '1011101', '1000001', '1110111'];

export function claimsOf(o: Officer): CredentialClaims {
  const c = o.credential!;
  return {
    tid: '0193a1b2-0000-7000-8000-000000000001',
    officer_id: o.id,
    name: o.name,
    number: c.number,
    kind: c.kind,
    agency: o.agency,
    photo_sha256: null,
    valid_from: c.valid_from,
    valid_to: c.valid_to,
    issued_at_ms: ISSUED_AT_MS,
  };
}

export type VerdictStatusName = CredentialVerdict['status'];

/** A verdict of `status` on `officer`'s token, with the revocation list consulted (unless
 *  `list` is false). Claims only where the signature held, as the core gives them. */
export function verdictOf(status: VerdictStatusName, officer: Officer = OFFICERS.zhang, list = true): CredentialVerdict {
  const signed = !['unknown_key', 'bad_signature', 'malformed', 'retired_key'].includes(status);
  const base = {
    claims: signed ? claimsOf(officer) : null,
    kid: status === 'malformed' ? null : KID,
    revocations_seq: list ? 12 : null,
    revocations_issued_at_ms: list ? REVOCATIONS_AT_MS : null,
  };
  switch (status) {
    case 'revoked':
      return { ...base, status, revoked_at_ms: REVOKED_AT_MS, reason: REVOKED_REASON };
    case 'malformed':
      return { ...base, status, reason: MALFORMED_REASON };
    default:
      return { ...base, status };
  }
}

/** The 亮证 card the core answers: with a token (QR and verdict) unless told otherwise. */
export function cardOf(
  officer: Officer,
  over: { verdict?: CredentialVerdict | null; token?: boolean; valid?: boolean } = {},
): CredentialCard {
  const token = over.token ?? true;
  const o = structuredClone(officer);
  if (o.credential) o.credential.token = token ? TOKEN : null;
  return {
    officer: o,
    valid: over.valid ?? true,
    verdict: token ? (over.verdict === undefined ? verdictOf('valid', officer) : over.verdict) : null,
    qr_payload: token ? TOKEN : null,
    qr_rows: token ? QR_ROWS : [],
  };
}
