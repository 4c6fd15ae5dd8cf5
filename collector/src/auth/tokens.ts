// Bearer-token roles and the registry of secrets. Shared by HTTP and the live stream, which both
// authenticate callers but neither owns the tokens. Secrets are compared in constant time, so the
// time a refusal takes says nothing about how much of a guess was right.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenEntry } from '../config/load-config.ts';
import type { Scope } from './scope.ts';
import type { FileToken } from './tokens-file.ts';

export type Role = 'ingest' | 'viewer' | 'operator' | 'admin';

export interface Principal extends Scope {
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

interface Entry {
  digest: Buffer;
  principal: Principal;
  expiresAt?: number;
}

export class TokenRegistry {
  private readonly fromEnvironment: Entry[] = [];
  private fromFile: Entry[] = [];

  constructor(
    tokens: Record<Role, TokenEntry[]>,
    fileTokens: readonly FileToken[] = [],
    private readonly now: () => number = Date.now,
  ) {
    for (const role of ['ingest', 'viewer', 'operator', 'admin'] as const) {
      for (const t of tokens[role])
        this.fromEnvironment.push({ digest: digest(t.secret), principal: { role, name: t.name } });
    }
    this.replaceFileTokens(fileTokens);
  }

  /** The tokens file was read again: its tokens replace the previous ones wholesale. */
  replaceFileTokens(tokens: readonly FileToken[]): void {
    this.fromFile = tokens.map((t) => ({
      digest: t.digest,
      principal: Object.freeze({
        role: t.role,
        name: t.name,
        ...(t.stores && { stores: t.stores }),
        ...(t.regions && { regions: t.regions }),
      }),
      ...(t.expiresAt !== undefined && { expiresAt: t.expiresAt }),
    }));
  }

  /**
   * Checks every entry (no early exit), comparing fixed-length digests, so timing says nothing. An
   * expired token is no token.
   */
  identify(secret: string): Principal | undefined {
    const candidate = digest(secret);
    const now = this.now();
    let found: Principal | undefined;
    for (const entry of [...this.fromEnvironment, ...this.fromFile]) {
      if (
        timingSafeEqual(entry.digest, candidate) &&
        !found &&
        !(entry.expiresAt !== undefined && entry.expiresAt <= now)
      )
        found = entry.principal;
    }
    return found;
  }
}

export function grants(principal: Principal, role: Role): boolean {
  return GRANTS[principal.role].includes(role);
}
