// @vitest-environment jsdom
// Evidence bytes reach the core as base64 without the data-URL prefix, with a media type the core
// can name the file by even when the browser gives none; the picker is the camera only on a
// touch device.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileTooLarge, hasCamera, MAX_CAPTURE_BYTES, mediaTypeOf, readChosen, readFile, splitDataUrl } from './camera';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

describe('splitDataUrl', () => {
  it('separates the media type from the base64 payload', () => {
    expect(splitDataUrl('data:image/jpeg;base64,/9j/4AAQ')).toEqual({ media_type: 'image/jpeg', base64: '/9j/4AAQ' });
  });
  it('keeps an empty type and payload for an empty file', () => {
    expect(splitDataUrl('data:;base64,')).toEqual({ media_type: '', base64: '' });
  });
  it('returns nothing for text that is not a data URL', () => {
    expect(splitDataUrl('hello')).toEqual({ media_type: '', base64: '' });
  });
});

describe('mediaTypeOf', () => {
  it("prefers the browser's type", () => {
    expect(mediaTypeOf('x.bin', 'video/mp4')).toBe('video/mp4');
  });
  it("falls back to the data URL's type, then to the extension", () => {
    expect(mediaTypeOf('IMG_0001.JPG', '', 'image/png')).toBe('image/png');
    expect(mediaTypeOf('IMG_0001.JPG', '')).toBe('image/jpeg');
    expect(mediaTypeOf('scan.pdf', 'application/octet-stream')).toBe('application/pdf');
    expect(mediaTypeOf('memo.m4a', '')).toBe('audio/mp4');
  });
  it('says octet-stream for what it cannot tell', () => {
    expect(mediaTypeOf('data', '')).toBe('application/octet-stream');
  });
});

describe('readFile', () => {
  it('reads the bytes as base64 with name, size and media type', async () => {
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const file = new File([bytes], 'outlet.jpg', { type: 'image/jpeg' });
    const progress: number[] = [];
    const got = await readFile(file, (p) => progress.push(p));
    expect(got).toEqual({
      name: 'outlet.jpg',
      media_type: 'image/jpeg',
      data_base64: btoa(String.fromCharCode(...bytes)),
      size: 7,
    });
    expect(progress.at(-1)).toBe(1);
  });

  it('guesses the media type from the name when the browser gives none', async () => {
    const got = await readFile(new File(['%PDF-1.7'], 'permit.pdf'));
    expect(got.media_type).toBe('application/pdf');
    expect(atob(got.data_base64)).toBe('%PDF-1.7');
  });
});

describe('hasCamera and readChosen', () => {
  it('is a camera on a touch device or a phone, a picker elsewhere', () => {
    vi.stubGlobal('matchMedia', (q: string) => ({ matches: q === '(pointer: coarse)' }));
    expect(hasCamera()).toBe(true);
    vi.stubGlobal('matchMedia', () => ({ matches: false }));
    vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15' });
    expect(hasCamera()).toBe(false);
    vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 (Linux; Android 14; SM-X710) Mobile' });
    expect(hasCamera()).toBe(true);
  });

  it('reads a chosen file, saying it was chosen first', async () => {
    const seen: string[] = [];
    const got = await readChosen(new File(['%PDF-1.7'], 'permit.pdf'), { onchosen: (f) => seen.push(f.name) });
    expect(seen).toEqual(['permit.pdf']);
    expect(got.media_type).toBe('application/pdf');
    expect(atob(got.data_base64)).toBe('%PDF-1.7');
  });

  it('refuses a file over the limit before reading it', async () => {
    const big = new File(['x'], 'long.mp4', { type: 'video/mp4' });
    Object.defineProperty(big, 'size', { value: MAX_CAPTURE_BYTES + 1 });
    const onchosen = vi.fn();
    await expect(readChosen(big, { onchosen })).rejects.toBeInstanceOf(FileTooLarge);
    expect(onchosen).not.toHaveBeenCalled();
  });
});
