import { describe, expect, it } from 'vitest';
import { TokenRegistry } from '../../src/auth/tokens.ts';
import { parseTokensFile, sha256Hex } from '../../src/auth/tokens-file.ts';

const NONE = { ingest: [], viewer: [], operator: [], admin: [] };

const problemsOf = (text: string) => {
  const result = parseTokensFile(text);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
};

describe('the tokens file', () => {
  it('reads secret and sha256 forms, scopes and expiry', () => {
    const result = parseTokensFile(`tokens:
  - name: desk
    role: operator
    sha256: ${sha256Hex('desk-secret-1')}
  - name: sh-manager
    role: viewer
    secret: manager-secret-1
    stores: [SH-001, SH-002]
    regions: ["310000"]
    expires_at: 2027-01-01T00:00:00+08:00
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [desk, manager] = result.tokens;
    expect(desk).toMatchObject({ name: 'desk', role: 'operator' });
    expect(desk!.digest.toString('hex')).toBe(sha256Hex('desk-secret-1'));
    expect(manager).toMatchObject({
      name: 'sh-manager',
      role: 'viewer',
      stores: ['SH-001', 'SH-002'],
      regions: ['310000'],
      expiresAt: Date.parse('2026-12-31T16:00:00Z'),
    });
    const registry = new TokenRegistry(NONE, result.tokens);
    expect(registry.identify('desk-secret-1')).toEqual({ role: 'operator', name: 'desk' });
    expect(registry.identify('manager-secret-1')).toMatchObject({ stores: ['SH-001', 'SH-002'] });
  });

  it.each([
    [
      'a bad role',
      'tokens:\n  - name: a\n    role: root\n    secret: long-enough-1\n',
      3,
      /role "root" is not one of/,
    ],
    [
      'an upper-case sha256',
      `tokens:\n  - name: a\n    role: viewer\n    sha256: ${'A'.repeat(64)}\n`,
      4,
      /lowercase hex/,
    ],
    ['a short sha256', 'tokens:\n  - name: a\n    role: viewer\n    sha256: abc123\n', 4, /sha256 must be/],
    [
      'both secret and sha256',
      `tokens:\n  - name: a\n    role: viewer\n    secret: long-enough-1\n    sha256: ${'a'.repeat(64)}\n`,
      5,
      /not both/,
    ],
    ['a short secret', 'tokens:\n  - name: a\n    role: viewer\n    secret: short\n', 4, /shorter than 8/],
    [
      'an expiry without offset',
      'tokens:\n  - name: a\n    role: viewer\n    secret: long-enough-1\n    expires_at: 2027-01-01T00:00:00\n',
      5,
      /RFC 3339/,
    ],
    [
      'an unknown field',
      'tokens:\n  - name: a\n    role: viewer\n    secret: long-enough-1\n    store: [x]\n',
      5,
      /unknown field "store"/,
    ],
    [
      'a scoped ingest token',
      'tokens:\n  - name: a\n    role: ingest\n    secret: long-enough-1\n    stores: [x]\n',
      5,
      /cannot be scoped/,
    ],
    [
      'an empty stores list',
      'tokens:\n  - name: a\n    role: viewer\n    secret: long-enough-1\n    stores: []\n',
      5,
      /non-empty list/,
    ],
    [
      'a duplicate name',
      'tokens:\n  - name: a\n    role: viewer\n    secret: long-enough-1\n  - name: a\n    role: viewer\n    secret: long-enough-2\n',
      5,
      /used twice/,
    ],
    ['broken YAML', 'tokens:\n  - name: a\n   role: viewer\n', 3, /invalid YAML/],
  ])('refuses %s, naming the line', (_what, text, line, message) => {
    const problems = problemsOf(text);
    expect(
      problems.some((p) => p.line === line && message.test(p.message)),
      JSON.stringify(problems),
    ).toBe(true);
  });

  it('lists every problem of the file at once', () => {
    const problems = problemsOf('tokens:\n  - name: a\n    role: root\n    secret: x\n  - role: viewer\n');
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5, 5]);
  });

  it('refuses a file without a tokens list', () => {
    expect(problemsOf('token: []\n')[0]!.message).toMatch(/unknown key "token"/);
  });

  it('refuses an expired token from the moment it expires, on the registry clock', () => {
    const result = parseTokensFile(
      'tokens:\n  - name: temp\n    role: viewer\n    secret: temp-secret-1\n    expires_at: 2026-06-01T00:00:00Z\n',
    );
    if (!result.ok) throw new Error('valid');
    let now = Date.parse('2026-05-31T23:59:59Z');
    const registry = new TokenRegistry(NONE, result.tokens, () => now);
    expect(registry.identify('temp-secret-1')?.name).toBe('temp');
    now = Date.parse('2026-06-01T00:00:00Z');
    expect(registry.identify('temp-secret-1')).toBeUndefined();
  });

  it('keeps the environment tokens beside the file, and a re-read replaces only the file tokens', () => {
    const registry = new TokenRegistry({ ...NONE, viewer: [{ name: 'wall', secret: 'wall-secret-1' }] }, [
      { name: 'old', role: 'viewer', digest: Buffer.from(sha256Hex('old-secret-1'), 'hex') },
    ]);
    registry.replaceFileTokens([
      { name: 'new', role: 'viewer', digest: Buffer.from(sha256Hex('new-secret-1'), 'hex') },
    ]);
    expect(registry.identify('old-secret-1')).toBeUndefined();
    expect(registry.identify('new-secret-1')?.name).toBe('new');
    expect(registry.identify('wall-secret-1')?.name).toBe('wall');
  });
});
