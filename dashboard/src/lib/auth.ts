// Where the dashboard's token comes from: `?token=` (wall displays that cannot sign in) wins over
// the token kept in localStorage by the sign-in screen. Without either, no data is requested.
export const TOKEN_STORAGE_KEY = 'orderpulse.token';

export interface TokenSource {
  token: string | null;
  /** A URL token is used for this page only and never written to storage. */
  fromUrl: boolean;
}

export function resolveToken(search: string, storage: Pick<Storage, 'getItem'>): TokenSource {
  const fromUrl = new URLSearchParams(search).get('token');
  if (fromUrl) return { token: fromUrl, fromUrl: true };
  const stored = storage.getItem(TOKEN_STORAGE_KEY);
  return { token: stored || null, fromUrl: false };
}

export function storeToken(storage: Pick<Storage, 'setItem'>, token: string): void {
  storage.setItem(TOKEN_STORAGE_KEY, token);
}

export function forgetToken(storage: Pick<Storage, 'removeItem'>): void {
  storage.removeItem(TOKEN_STORAGE_KEY);
}
