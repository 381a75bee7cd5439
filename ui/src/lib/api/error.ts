// A refusal as the pages handle it: the server's stable code plus its message in both
// languages (the user's locale picks one when shown). Failures that never reached the server,
// or answers without an error body, get the same shape with words from the catalogue.
import { translate, type MessageKey } from '../i18n';
import type { ErrorBody } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly zh: string;
  readonly en: string;
  /** The whole body when the server sent one (extra fields such as `expected_seq`). */
  readonly body: ErrorBody | null;

  constructor(status: number, code: string, zh: string, en: string, body: ErrorBody | null = null) {
    super(en || zh || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.zh = zh;
    this.en = en;
    this.body = body;
  }
}

export function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.code === 'string' && (typeof o.zh === 'string' || typeof o.en === 'string');
}

/** The request never got an answer (offline, DNS, refused, CORS). */
export function networkError(): ApiError {
  return new ApiError(
    0,
    'client.network',
    translate('zh-CN', 'error.network'),
    translate('en', 'error.network'),
  );
}

/** A 2xx answer whose body is not the JSON it should be. */
export function badJsonError(status: number): ApiError {
  return new ApiError(
    status,
    'client.bad_json',
    translate('zh-CN', 'error.bad_json'),
    translate('en', 'error.bad_json'),
  );
}

/** Turns a non-2xx answer into an ApiError, from the server's error body when it has one. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(await res.text());
  } catch {
    // Not JSON: a proxy's HTML page, an empty 502. Described by status below.
  }
  if (isErrorBody(parsed)) {
    return new ApiError(res.status, parsed.code, parsed.zh ?? '', parsed.en ?? '', parsed);
  }
  const params = { status: res.status };
  return new ApiError(
    res.status,
    `http.${res.status}`,
    translate('zh-CN', 'error.http', params),
    translate('en', 'error.http', params),
  );
}

/** Anything thrown, as an ApiError (unexpected exceptions included, so the banner can show it). */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const text = e instanceof Error ? e.message : String(e);
  return new ApiError(0, 'client.exception', text, text);
}

/** A refusal made on this side (a form's own check), worded from the catalogue, in the same
 * shape as the server's so one banner shows both. */
export function localError(code: string, key: MessageKey, params?: Record<string, string>): ApiError {
  return new ApiError(0, code, translate('zh-CN', key, params), translate('en', key, params));
}
