// What a dead letter keeps of the body it was refused with. Anyone on the internet can post to the
// provider callbacks, so a body from a caller that did not authenticate keeps only a preview with
// its length and SHA-256 (enough to match it against the sender's logs); an authenticated caller's
// body is kept exactly, to be read back at /v1/dead-letters/{id}/raw.
import { createHash } from 'node:crypto';

export const PREVIEW_BYTES = 4096;

export interface KeptBody {
  /** At most PREVIEW_BYTES of UTF-8, cut between characters; text a text column can hold. */
  preview: string;
  /** The preview is shorter than the body. */
  truncated: boolean;
  /** The exact bytes, kept for an authenticated caller when the preview is not already them. */
  exact: Buffer | null;
  length: number;
  sha256: Buffer;
}

export function keepBody(raw: string | Uint8Array, authenticated: boolean): KeptBody {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw);
  const head = bytes.subarray(0, characterBoundary(bytes, PREVIEW_BYTES));
  const preview = asStorableText(head.toString('utf8'));
  const truncated = head.length < bytes.length;
  const previewIsExact = !truncated && Buffer.from(preview, 'utf8').equals(bytes);
  return {
    preview,
    truncated,
    exact: authenticated && !previewIsExact ? bytes : null,
    length: bytes.length,
    sha256: createHash('sha256').update(bytes).digest(),
  };
}

/** PostgreSQL text cannot hold U+0000; anything else is kept as it came. */
export function asStorableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

/** The largest end ≤ limit that does not split a UTF-8 sequence. */
function characterBoundary(bytes: Buffer, limit: number): number {
  if (bytes.length <= limit) return bytes.length;
  let end = limit;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that straddles limit.
  while (end > limit - 4 && end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return end;
}
