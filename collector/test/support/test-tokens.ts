// The known tokens of test collectors, apart from the app builder: tests that only talk to a
// spawned `orderpulse serve` need them without importing the whole app.
export const TOKENS = {
  ingest: 'ingest-secret-1',
  viewer: 'viewer-secret-1',
  operator: 'operator-secret-1',
};

export const auth = (role: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[role]}` });
