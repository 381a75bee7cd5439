/// <reference types="node" />
// The renewal signature checked the way the center checks it: Ed25519 over
// `fieldcase/v1/token-renew` NUL `{len}:{device id}:{at_ms}`, verified with the public key the
// browser enrolled. The bytes are written out here, apart from the code that builds them.
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newDeviceKey } from './enroll';
import { renewalBody, renewMessage } from './deviceKey';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;

describe('renewal signature', () => {
  it('spells the signed bytes as the protocol does', () => {
    const id = '0193a4b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b';
    const text = new TextDecoder().decode(renewMessage(id, 1764000000123));
    expect(text).toBe(`fieldcase/v1/token-renew\u0000${id.length}:${id}:1764000000123`);
    expect(new TextDecoder().decode(renewMessage('设备', 5))).toBe('fieldcase/v1/token-renew\u00006:设备:5');
  });

  it('signs with the enrolled key: the public key verifies it, another time does not', async () => {
    const key = await newDeviceKey(subtle);
    const id = 'dev-1';
    const body = await renewalBody(key.privateKey, id, 1764000000123, 1, subtle);
    expect(Object.keys(body).sort()).toEqual(['at_ms', 'device_id', 'protocol', 'signature']);
    expect(body.signature).toMatch(/^[0-9a-f]{128}$/);
    const pub = await subtle.importKey('raw', Buffer.from(key.publicKey, 'hex'), { name: 'Ed25519' }, false, ['verify']);
    const sig = Buffer.from(body.signature, 'hex');
    expect(await subtle.verify({ name: 'Ed25519' }, pub, sig, renewMessage(id, 1764000000123) as BufferSource)).toBe(true);
    expect(await subtle.verify({ name: 'Ed25519' }, pub, sig, renewMessage(id, 1764000000124) as BufferSource)).toBe(false);
  });
});
