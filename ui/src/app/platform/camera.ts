// Getting a file for evidence: the camera on phones and tablets (a hidden file input with
// `capture`, which the Android and iOS WebViews open as the rear camera), the ordinary file
// picker for imports and on desktops. The inputs live in the Evidence screen for as long as it
// is shown: their change event brings the file whenever the picker returns one, and a cancelled
// picker leaves nothing waiting. The bytes travel to the core as base64, with the name the
// picker gave (kept as provenance) and a media type the core can name the file by.

/** A file read and ready for the `capture` command. */
export type PickedFile = {
  name: string;
  media_type: string;
  /** The file's bytes, base64 (no `data:` prefix). */
  data_base64: string;
  size: number;
};

/** `camera`: the device camera where there is one; `files`: the picker (an import). */
export type PickSource = 'camera' | 'files';

/** What an import may be: photos, recordings and document scans (PDF). */
export const IMPORT_ACCEPT = 'image/*,video/*,audio/*,application/pdf';
/** What the camera input asks for (with `capture`, the rear camera). */
export const CAMERA_ACCEPT = 'image/*';

/** The core refuses larger files (app::capture::MAX_CAPTURE_BYTES); checked before reading. */
export const MAX_CAPTURE_BYTES = 200 * 1024 * 1024;

/**
 * Whether this device has a camera the file input can open: a touch-first device (phone,
 * tablet). Desktops ignore `capture`, so a "camera" there would silently be a file picker.
 */
export function hasCamera(): boolean {
  const g = globalThis as { matchMedia?: (q: string) => { matches: boolean }; navigator?: Navigator };
  if (g.matchMedia?.('(pointer: coarse)').matches) return true;
  return /Android|iPhone|iPad|Mobile/i.test(g.navigator?.userAgent ?? '');
}

const BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  m4a: 'audio/mp4',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  amr: 'audio/amr',
  pdf: 'application/pdf',
};

/** A file's media type: what the browser says, else the data URL's, else its extension's. */
export function mediaTypeOf(name: string, browserType: string, dataUrlType = ''): string {
  const usable = (t: string) => t && t !== 'application/octet-stream';
  if (usable(browserType)) return browserType;
  if (usable(dataUrlType)) return dataUrlType;
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  return BY_EXTENSION[ext] ?? 'application/octet-stream';
}

/** Splits `data:<type>;base64,<data>` into its media type and base64 payload. */
export function splitDataUrl(dataUrl: string): { media_type: string; base64: string } {
  const comma = dataUrl.indexOf(',');
  if (!dataUrl.startsWith('data:') || comma < 0) return { media_type: '', base64: '' };
  const header = dataUrl.slice(5, comma);
  const media_type = header.split(';')[0] ?? '';
  return { media_type, base64: dataUrl.slice(comma + 1) };
}

/** Reads a file as base64, reporting progress (0–1) while a large recording loads. */
export function readFile(file: File, onprogress?: (fraction: number) => void): Promise<PickedFile> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onprogress?.(e.loaded / e.total);
    };
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.onload = () => {
      const { media_type, base64 } = splitDataUrl(String(reader.result ?? ''));
      onprogress?.(1);
      resolve({
        name: file.name,
        media_type: mediaTypeOf(file.name, file.type, media_type),
        data_base64: base64,
        size: file.size,
      });
    };
    reader.readAsDataURL(file);
  });
}

/** A file over the core's limit, refused before its bytes are read. */
export class FileTooLarge extends Error {
  constructor(readonly size: number) {
    super(`file of ${size} bytes is over ${MAX_CAPTURE_BYTES}`);
    this.name = 'FileTooLarge';
  }
}

/**
 * What the Evidence screen does with the file its camera or picker input gave: check the size,
 * read as base64. `onchosen` fires before the (possibly long) read.
 */
export async function readChosen(
  file: File,
  hooks: { onchosen?: (file: File) => void; onprogress?: (fraction: number) => void } = {},
): Promise<PickedFile> {
  if (file.size > MAX_CAPTURE_BYTES) throw new FileTooLarge(file.size);
  hooks.onchosen?.(file);
  return readFile(file, hooks.onprogress);
}
