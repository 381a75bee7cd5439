/// <reference types="node" />
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UUID_V7 } from './uuid';
import { enrollMessage, enrollmentBody, newDeviceKey, normalizeCode, toHex } from './enroll';
import type { ApiError } from './error';

describe('normalizeCode', () => {
  it('accepts 12 digits with the spaces and hyphens people type', () => {
    expect(normalizeCode('1234 5678 9012')).toBe('123456789012');
    expect(normalizeCode(' 1234-5678-9012 ')).toBe('123456789012');
  });
  it('refuses anything else', () => {
    expect(normalizeCode('12345678901')).toBeNull();
    expect(normalizeCode('1234567890123')).toBeNull();
    expect(normalizeCode('12345678901a')).toBeNull();
    expect(normalizeCode('')).toBeNull();
  });
});

describe('newDeviceKey', () => {
  it('makes an Ed25519 key and exports its 32-byte public key as 64 lowercase hex', async () => {
    const key = await newDeviceKey(webcrypto.subtle as unknown as SubtleCrypto);
    expect(key.publicKey).toMatch(/^[0-9a-f]{64}$/);
    // The private key signs, and cannot be read out.
    expect(key.privateKey.extractable).toBe(false);
    expect(key.privateKey.usages).toEqual(['sign']);
  });

  it('says clearly when the browser has no Ed25519', async () => {
    const subtle = {
      generateKey: async () => {
        throw new DOMException('Unrecognized name', 'NotSupportedError');
      },
    } as unknown as SubtleCrypto;
    const err = (await newDeviceKey(subtle).catch((e) => e)) as ApiError;
    expect(err.code).toBe('client.ed25519_unsupported');
    expect(err.zh).toContain('Ed25519');
    expect(err.en).toContain('Ed25519');
  });

  it('says clearly when the page is not a secure context (no crypto.subtle)', async () => {
    const err = (await newDeviceKey(null).catch((e) => e)) as ApiError;
    expect(err.code).toBe('client.insecure_context');
    expect(err.zh).toContain('HTTPS');
  });
});

describe('enrollmentBody', () => {
  const subtle = webcrypto.subtle as unknown as SubtleCrypto;

  it('is the shape POST /v1/enroll takes', async () => {
    const key = await newDeviceKey(subtle);
    const b = await enrollmentBody('123456789012', key, '  中心浏览器 ', undefined, subtle);
    expect(Object.keys(b).sort()).toEqual(['code', 'device_id', 'label', 'proof', 'protocol', 'public_key']);
    expect(b.protocol).toBe(1);
    expect(b.label).toBe('中心浏览器');
    expect(b.device_id).toMatch(UUID_V7);
    expect(b.public_key).toBe(key.publicKey);
    expect(b.proof).toMatch(/^[0-9a-f]{128}$/);
  });

  it('spells the signed bytes as the protocol does', () => {
    // fieldcase_protocol::sync::enroll::tests::the_signed_bytes_are_fixed writes the same.
    const text = (id: string, code: string) => new TextDecoder().decode(enrollMessage(id, code));
    expect(text('d1', '12')).toBe('fieldcase/v1/device-enroll\u00002:d1:12');
    expect(text('设备', '1234')).toBe('fieldcase/v1/device-enroll\u00006:设备:1234');
  });

  it('proves the key over this device id and code only', async () => {
    const key = await newDeviceKey(subtle);
    const b = await enrollmentBody('123456789012', key, 'x', 'dev-1', subtle);
    const pub = await subtle.importKey('raw', Buffer.from(key.publicKey, 'hex'), { name: 'Ed25519' }, false, ['verify']);
    const sig = Buffer.from(b.proof, 'hex');
    const verifies = (id: string, code: string) => subtle.verify({ name: 'Ed25519' }, pub, sig, enrollMessage(id, code) as BufferSource);
    expect(await verifies('dev-1', '123456789012')).toBe(true);
    expect(await verifies('dev-2', '123456789012')).toBe(false);
    expect(await verifies('dev-1', '123456789013')).toBe(false);
  });
});

describe('toHex', () => {
  it('pads every byte to two digits', () => {
    expect(toHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe('0001abff');
  });
});
