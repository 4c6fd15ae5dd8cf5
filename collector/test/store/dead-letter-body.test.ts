// What a dead letter keeps of a body: pure, no store.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keepBody, PREVIEW_BYTES } from '../../src/store/dead-letter-body.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();

describe('keepBody', () => {
  it('keeps an unauthenticated body as a preview cut between characters, with length and SHA-256', () => {
    // The 4-byte emoji straddles the 4 KiB boundary.
    const body = Buffer.from(`${'a'.repeat(PREVIEW_BYTES - 2)}😀${'b'.repeat(10_000)}`);
    const kept = keepBody(body, false);
    expect(kept.preview).toBe('a'.repeat(PREVIEW_BYTES - 2));
    expect(kept).toMatchObject({ truncated: true, exact: null, length: body.length });
    expect(kept.sha256.equals(sha256(body))).toBe(true);
  });

  it('keeps an authenticated body whole unless the preview already is it', () => {
    const long = 'é'.repeat(PREVIEW_BYTES);
    expect(keepBody(long, true).exact?.equals(Buffer.from(long))).toBe(true);
    expect(keepBody('{"id": oops', true)).toMatchObject({
      preview: '{"id": oops',
      truncated: false,
      exact: null,
    });
  });

  it('replaces U+0000 in the preview (text columns cannot hold it) and keeps the exact bytes apart', () => {
    const kept = keepBody('a\u0000b', true);
    expect(kept.preview).toBe('a\uFFFDb');
    expect(kept.exact?.equals(Buffer.from('a\u0000b'))).toBe(true);
    expect(keepBody(Buffer.from([0x61, 0xff, 0x62]), false)).toMatchObject({
      preview: 'a\uFFFDb',
      length: 3,
    });
  });
});
