import { describe, expect, it } from 'vitest';
import { grants, type Role, TokenRegistry } from '../../src/auth/tokens.ts';

const registry = new TokenRegistry({
  ingest: [{ name: 'pos', secret: 'ingest-secret-1' }],
  viewer: [{ name: 'wall', secret: 'viewer-secret-1' }],
  operator: [{ name: 'li.na', secret: 'operator-secret-1' }],
  admin: [{ name: 'wang.wei', secret: 'admin-secret-1' }],
});

const ROLES: Role[] = ['ingest', 'viewer', 'operator', 'admin'];

describe('token roles', () => {
  it('identifies each secret as its own role and name, and nothing else', () => {
    expect(registry.identify('admin-secret-1')).toEqual({ role: 'admin', name: 'wang.wei' });
    expect(registry.identify('operator-secret-1')).toEqual({ role: 'operator', name: 'li.na' });
    expect(registry.identify('admin-secret-')).toBeUndefined();
  });

  it.each([
    ['ingest', ['ingest']],
    ['viewer', ['viewer']],
    ['operator', ['viewer', 'operator']],
    ['admin', ['viewer', 'operator', 'admin']],
  ] as const)('%s is granted exactly %j', (role, granted) => {
    const principal = { role, name: role };
    expect(ROLES.filter((wanted) => grants(principal, wanted))).toEqual(granted);
  });
});
