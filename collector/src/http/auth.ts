// Bearer-token roles: ingest, viewer, operator. Secrets are compared in constant time, so the time
// a refusal takes says nothing about how much of a guess was right.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { TokenEntry } from '../config.ts';
import { errors } from './errors.ts';

export type Role = 'ingest' | 'viewer' | 'operator';

export interface Principal {
  role: Role;
  name: string;
}

/** What a role may do: operators read too; ingest tokens only write. */
const GRANTS: Record<Role, readonly Role[]> = {
  ingest: ['ingest'],
  viewer: ['viewer'],
  operator: ['viewer', 'operator'],
};

const digest = (secret: string) => createHash('sha256').update(secret).digest();

export class TokenRegistry {
  private readonly entries: { digest: Buffer; principal: Principal }[] = [];

  constructor(tokens: { ingest: TokenEntry[]; viewer: TokenEntry[]; operator: TokenEntry[] }) {
    for (const role of ['ingest', 'viewer', 'operator'] as const) {
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

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match?.[1]?.trim();
  }
  return undefined;
}

/**
 * Resolves the caller or throws 401/403. Any of `allowed` suffices. The request guard has usually
 * identified the caller already, before the body was read.
 */
export function authorize(
  registry: TokenRegistry,
  request: FastifyRequest,
  allowed: readonly Role[],
): Principal {
  const token = request.principal ? undefined : bearerToken(request);
  const principal = request.principal ?? (token ? registry.identify(token) : undefined);
  if (!principal) throw errors.unauthorized(token ? 'the bearer token is not valid' : undefined);
  if (!allowed.some((role) => GRANTS[principal.role].includes(role)))
    throw errors.forbidden(allowed.join(' or '));
  return principal;
}

export function grants(principal: Principal, role: Role): boolean {
  return GRANTS[principal.role].includes(role);
}
