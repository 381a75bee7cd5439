// JSON shapes of the center API, as the pages read them. Fields a newer server adds are
// optional here (`view`, `review`, `opened_at`, ...): an older server's answer still type-checks
// and the pages degrade instead of crashing.

export type Role = 'inspector' | 'grid_worker' | 'center_staff' | 'admin';

export interface UserInfo {
  user_id: string;
  name: string;
  role: Role | string;
  area: string;
  team: string | null;
  officer_id: string | null;
}

export interface EnrollRequest {
  protocol: number;
  code: string;
  device_id: string;
  public_key: string;
  label: string;
  /** Ed25519 over (device id, code) in context `device-enroll`: the key is held. */
  proof: string;
}

export interface EnrollResponse {
  token: string;
  user: UserInfo;
  server_time_ms: number;
}

/** The server's refusal body (more fields may ride along, e.g. `expected_seq`). */
export interface ErrorBody {
  code: string;
  zh: string;
  en: string;
  [extra: string]: unknown;
}

export type CaseStatus = 'open' | 'closed';
export type ReviewState = 'received' | 'under_review' | 'accepted' | 'returned';

export interface Review {
  state: ReviewState | string;
  note: string | null;
  by: string | null;
  at_ms: number | null;
  /** The reviewer's name, when `by` is a center user. */
  by_name?: string | null;
}

export interface OfficerRef {
  id: string;
  name: string;
}

/** One row of `GET /v1/cases` (and the answer of `POST /v1/cases/{id}/review`). */
export interface CaseListItem {
  case_id: string;
  task_id: string;
  enterprise_id: string;
  enterprise_name: string | null;
  status: CaseStatus | string;
  review?: Review | null;
  opened_at?: string | null;
  closed_at?: string | null;
  officers?: OfficerRef[];
  findings?: number;
  blob_count: number;
  blobs_stored: number;
  complete: boolean;
  op_count: number;
  updated_at_ms: number;
  user_id: string;
  device_id: string;
}

export interface CaseOp {
  seq: number;
  op_id: string;
  kind: string;
  hlc: string;
  /** The op envelope as the device signed it: `{at, by, body:{op,...}, flags, ...}`. */
  payload: OpPayload | null;
  chain_verified: boolean;
  result: { outcome?: string; [k: string]: unknown } | null;
}

export interface OpPayload {
  at?: string;
  by?: string;
  body?: Record<string, unknown> & { op?: string };
  flags?: Flag[];
  [k: string]: unknown;
}

export interface BlobRef {
  sha256: string;
  stored: boolean;
}

export interface TranscriptCheck {
  transcript_id: string;
  version: number;
  content_hash: string;
  content_intact: boolean;
}

/** `valid`, `invalid`, `superseded`, `valid_for_other_version` (seen in real data), or newer. */
export interface SignatureCheck {
  status: string;
  [k: string]: unknown;
}

export interface SignatureRow {
  transcript_id: string;
  signed_version: number;
  name: string;
  role: string;
  at: string;
  check: SignatureCheck;
  /** When the officer's offline PIN was re-entered for this signature (absent: not recorded). */
  pin_confirmed_at?: string | null;
  /** Whose PIN: the signer's, or the signed-in officer's who vouched for a partner. */
  pin_confirmed_by?: string | null;
}

export interface Flag {
  code: string;
  zh: string;
  en: string;
  at: string;
}

export interface Point {
  lat: number;
  lon: number;
}

export interface CheckinView {
  at: string;
  point: Point;
  accuracy_m: number | null;
  source: string | null;
  distance_m: number | null;
  inside_geofence: boolean;
  reason: string | null;
  time_uncertain: boolean;
}

export interface Basis {
  text: string;
  [k: string]: unknown;
}

export interface LimitCheck {
  value: number | string | null;
  limit: string | number | null;
  exceeded: boolean;
  factor: number | null;
  reference: string | null;
  source: string | null;
}

export interface FindingView {
  key: string;
  item_id: string;
  question: string | null;
  finding: string;
  /** answers[].finding arrives in the device's shape: `text` and `question_zh`, not `finding`. */
  text?: string;
  question_zh?: string | null;
  basis: Basis[];
  penalty: Basis[];
  limits: LimitCheck[];
  evidence: string[];
}

export interface AnswerView {
  key: string;
  form_id: string;
  item_id: string;
  question: string | null;
  value: unknown;
  by: string;
  at: string;
  evidence: string[];
  finding: Partial<FindingView> | null;
}

export interface CustodyStep {
  at: string;
  from: string;
  to: string;
  seal_intact: boolean;
  note: string | null;
}

export interface SampleView {
  sample_id: string;
  point: string;
  parameters: string[];
  container: string | null;
  preservative: string | null;
  seal_no: string | null;
  collected_at: string;
  collected_by: string[];
  party_witness: string | null;
  custody: CustodyStep[];
}

export interface EvidenceView {
  id: string;
  kind: string;
  media_type: string;
  proves: string;
  sha256: string;
  captured_at: string;
  captured_by: string;
  item_id: string | null;
  fix: { point?: Point; accuracy_m?: number; source?: string } | null;
  stored: boolean;
}

export interface Person {
  name: string;
  relation?: string | null;
  title?: string | null;
  id_type?: string | null;
  id_number?: string | null;
  phone?: string | null;
  [k: string]: unknown;
}

export interface InterviewView {
  id: string;
  interviewee: Person;
  started_at: string;
  ended_at: string | null;
  qa: { q: string; a: string }[];
}

export interface TranscriptSignatureView {
  name: string;
  role: string;
  at: string;
  status: string;
  /** When the officer's offline PIN was re-entered for this signature (absent: not recorded). */
  pin_confirmed_at?: string | null;
  pin_confirmed_by?: string | null;
}

export interface TranscriptVersionView {
  version: number;
  content_hash: string;
  content_intact: boolean;
  locked: boolean;
  /** URL path of the rendered PDF (fetched with the bearer token). */
  pdf: string | null;
  signatures: TranscriptSignatureView[];
}

export interface TranscriptView {
  transcript_id: string;
  kind: 'onsite' | 'inquiry' | string;
  versions: TranscriptVersionView[];
}

/** The server's projection of a case's ops (see DESIGN/center API). */
export interface CaseView {
  opened_at: string | null;
  closed_at: string | null;
  departed_at: string | null;
  procedure: { id: string; version: string } | null;
  team: { id: string; name: string; credential: string | null }[];
  checkin: CheckinView | null;
  enterprise_location: Point | null;
  credentials: { officer_id: string; name: string; credential_number: string; at: string }[];
  party: Person | null;
  notice: {
    at: string;
    credentials_seen: boolean;
    recusal_requested: boolean;
    text_zh: string;
  } | null;
  answers: AnswerView[];
  findings: FindingView[];
  samples: SampleView[];
  evidence: EvidenceView[];
  interviews: InterviewView[];
  measures: { at: string; kind: string; description: string }[];
  notes: { at: string; by: string; text: string }[];
  transcripts: TranscriptView[];
  flags: Flag[];
}

/** `GET /v1/cases/{id}`. */
export interface CaseDetail {
  case_id: string;
  task_id: string;
  enterprise_id: string;
  enterprise_name: string | null;
  status: CaseStatus | string;
  device_id: string;
  user_id: string;
  complete: boolean;
  ops: CaseOp[];
  blobs: BlobRef[];
  transcripts: TranscriptCheck[];
  signatures: SignatureRow[];
  review?: Review | null;
  /** Every review move, oldest first (a returned case's note survives its reopening here). */
  review_history?: Review[] | null;
  view?: CaseView | null;
}

export interface ConflictSide {
  value: unknown;
  hlc: string;
  origin: string;
}

export type Resolution = 'keep' | 'take_other';

export interface Conflict {
  id: string;
  entity: string;
  entity_id: string;
  field: string;
  reason: string;
  device_id: string | null;
  op_id: string | null;
  kept: ConflictSide;
  other: ConflictSide;
  created_at_ms: number;
  resolution: Resolution | null;
  note: string | null;
  resolved_by: string | null;
  resolved_at_ms: number | null;
}

export interface Alert {
  id: number;
  device_id: string;
  seq: number | null;
  code: string;
  reason: string;
  at_ms: number;
}
