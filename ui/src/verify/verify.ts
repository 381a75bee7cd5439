// The public check's one request: `POST /public/verify {"token"}` answers the center's verdict
// (the same `CredentialVerdict` the field app's core gives) under its current keys and
// revocation list; refusals are the center's `{code, zh, en}`. No sign-in, no token sent.
import { ApiClient } from '../lib/api/client';
import { badJsonError } from '../lib/api/error';
import type { CredentialVerdict } from '../lib/components/credentialVerdict';

export const VERIFY_PATH = '/public/verify';
export const KEYRING_PATH = '/public/keyring';
export const REVOCATIONS_PATH = '/public/revocations';

function isVerdict(v: unknown): v is CredentialVerdict {
  return typeof v === 'object' && v !== null && typeof (v as { status?: unknown }).status === 'string';
}

/** The center's verdict on a token (trimmed: a scanner's text often ends in a newline). */
export async function verifyToken(client: ApiClient, token: string): Promise<CredentialVerdict> {
  const answer = await client.json<unknown>('POST', VERIFY_PATH, { body: { token: token.trim() }, anonymous: true });
  if (!isVerdict(answer.data)) throw badJsonError(answer.status);
  return answer.data;
}
