// How an HTTP request proves who it is: the bearer token of its Authorization header, checked
// against the token registry; a missing or insufficient token is a 401 or 403 from the catalogue.
import type { FastifyRequest } from 'fastify';
import { grants, type Principal, type Role, type TokenRegistry } from '../auth/tokens.ts';
import { errors } from './errors.ts';

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
  if (!allowed.some((role) => grants(principal, role))) throw errors.forbidden(allowed.join(' or '));
  return principal;
}
