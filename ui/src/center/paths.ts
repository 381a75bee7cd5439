// URL paths of authenticated resources the pages fetch as blobs.
export function blobPath(sha256: string): string {
  return `/v1/blobs/${encodeURIComponent(sha256)}`;
}
