// A long hash shortened for the eye: the first and last characters with an ellipsis between.
export function shortHash(value: string, head = 8, tail = 8): string {
  if (!value || value.length <= head + tail + 1) return value;
  return `${value.slice(0, head)}…${value.slice(-tail)}`;
}
