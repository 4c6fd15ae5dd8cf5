// Bearer-token roles and the registry of secrets. Shared by HTTP and the live stream, which both
// authenticate callers but neither owns the tokens. Secrets are compared in constant time, so the
// time a refusal takes says nothing about how much of a guess was right.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenEntry } from '../config/load-config.ts';

export type Role = 'ingest' | 'viewer' | 'operator' | 'admin';

export interface Principal {
  role: Role;
  name: string;
}

/** What a role may do: operators read too; admins are operators who also change rules; ingest tokens only write. */
const GRANTS: Record<Role, readonly Role[]> = {
  ingest: ['ingest'],
  viewer: ['viewer'],
  operator: ['viewer', 'operator'],
  admin: ['viewer', 'operator', 'admin'],
};

const digest = (secret: string) => createHash('sha256').update(secret).digest();

export class TokenRegistry {
  private readonly entries: { digest: Buffer; principal: Principal }[] = [];

  constructor(tokens: Record<Role, TokenEntry[]>) {
    for (const role of ['ingest', 'viewer', 'operator', 'admin'] as const) {
      for (const t of tokens[role])
        this.entries.push({ digest: digest(t.secret), principal: { role, name: t.name } });
    }
  }

  /** Checks every entry (no early exit), comparing fixed-length digests, so timing says nothing. */
  identify(secret: string): Principal | undefined {
    const candidate = digest(secret);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, candidate) && !found) found = entry.principal;
    }
    return found;
  }
}

export function grants(principal: Principal, role: Role): boolean {
  return GRANTS[principal.role].includes(role);
}
