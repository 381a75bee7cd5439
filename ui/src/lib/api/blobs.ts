// Authenticated bytes as things the browser can show or save. An <img src> or <a href> cannot
// carry the bearer header, so the pages fetch with the token and hand the browser a blob: URL.

/**
 * A blob: URL for bytes, typed as `mediaType` when given: the server sends every blob as
 * application/octet-stream (content-addressed storage knows no types), and a PDF tab or an
 * <img> needs the real type.
 */
export function objectUrl(bytes: Blob, mediaType?: string | null): string {
  const typed = mediaType && bytes.type !== mediaType ? new Blob([bytes], { type: mediaType }) : bytes;
  return URL.createObjectURL(typed);
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/wav': 'wav',
  'video/mp4': 'mp4',
  'application/pdf': 'pdf',
};

/** The file name an original is saved under: its hash (which names it) plus an extension. */
export function downloadName(sha256: string, mediaType?: string | null): string {
  const ext = mediaType ? EXTENSIONS[mediaType.toLowerCase()] : undefined;
  return ext ? `${sha256}.${ext}` : sha256;
}

/** Saves bytes through a temporary a[download] (the way a browser saves a fetched file). */
export function saveBlob(bytes: Blob, filename: string, mediaType?: string | null): void {
  const url = objectUrl(bytes, mediaType);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked after the click has been handled; revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
