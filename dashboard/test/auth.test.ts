import { describe, expect, it } from 'vitest';
import { forgetToken, resolveToken, storeToken, TOKEN_STORAGE_KEY } from '../src/lib/auth.ts';

/** A Storage that records every write, so "never stored" is something a test can see. */
function recordingStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  const writes: [string, string][] = [];
  return {
    items,
    writes,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => {
      writes.push([key, value]);
      items.set(key, value);
    },
    removeItem: (key: string) => {
      items.delete(key);
    },
  };
}

describe('where the token comes from', () => {
  it('takes ?token= over a stored token, for this page only, writing nothing', () => {
    const storage = recordingStorage({ [TOKEN_STORAGE_KEY]: 'stored-token' });
    expect(resolveToken('?token=url-token&store=S3', storage)).toEqual({ token: 'url-token', fromUrl: true });
    expect(storage.writes).toEqual([]);
    expect(storage.items.get(TOKEN_STORAGE_KEY)).toBe('stored-token');
  });

  it('takes ?token= with nothing stored, and leaves storage empty', () => {
    const storage = recordingStorage();
    expect(resolveToken('?token=url-token', storage)).toEqual({ token: 'url-token', fromUrl: true });
    expect(storage.writes).toEqual([]);
    expect(storage.items.size).toBe(0);
  });

  it('falls back to the stored token without ?token=', () => {
    const storage = recordingStorage({ [TOKEN_STORAGE_KEY]: 'stored-token' });
    expect(resolveToken('?store=S3', storage)).toEqual({ token: 'stored-token', fromUrl: false });
    expect(resolveToken('?token=', storage)).toEqual({ token: 'stored-token', fromUrl: false });
  });

  it('has no token at all with neither (no data is requested)', () => {
    expect(resolveToken('', recordingStorage())).toEqual({ token: null, fromUrl: false });
    expect(resolveToken('', recordingStorage({ [TOKEN_STORAGE_KEY]: '' }))).toEqual({
      token: null,
      fromUrl: false,
    });
  });

  it('stores a signed-in token under its key and forgets it on sign-out', () => {
    const storage = recordingStorage();
    storeToken(storage, 'signed-in');
    expect(storage.writes).toEqual([[TOKEN_STORAGE_KEY, 'signed-in']]);
    expect(resolveToken('', storage)).toEqual({ token: 'signed-in', fromUrl: false });
    forgetToken(storage);
    expect(resolveToken('', storage)).toEqual({ token: null, fromUrl: false });
  });
});
