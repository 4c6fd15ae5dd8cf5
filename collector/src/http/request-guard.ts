// Runs when a request's headers are in, before its body is read or validated. Every /v1 route but
// the provider callbacks needs a valid bearer token: checking it here means an unauthenticated
// caller learns nothing of the request schemas and cannot hold a connection open with a slow body.
// The 429s are decided here too, so a flood is refused before it costs a body read: failed authentication
// per client address, provider callbacks per client address, ingest per token. The counting is
// @fastify/rate-limit's; only what is counted, and when, is ours.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, TokenRegistry } from '../auth/tokens.ts';
import type { Config, RateLimit } from '../config/load-config.ts';
import { bearerToken } from './auth.ts';
import { errors } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller of a token-authenticated route, set before the body is read. */
    principal?: Principal;
  }
}

type Limiter = (request: FastifyRequest) => Promise<{
  isAllowed: boolean;
  isExceeded?: boolean;
  ttlInSeconds?: number;
}>;

const CALLBACKS_PREFIX = '/v1/notify/';
const INGEST_ROUTE = '/v1/events';

/** Counts one failed authentication from `address`; says how long to refuse it, if at all. */
export type FailedAuthentication = (address: string) => Promise<{ retryAfter: number } | undefined>;

/** Installs the guard; returns the failed-authentication count for the live stream's handshakes. */
export async function registerRequestGuard(
  server: FastifyInstance,
  tokens: TokenRegistry,
  limits: Config['rateLimits'],
): Promise<FailedAuthentication> {
  await server.register(rateLimit, { global: false });
  const limiter = (
    limit: RateLimit | undefined,
    keyGenerator?: (request: FastifyRequest) => string,
  ): Limiter | undefined =>
    limit &&
    (server.createRateLimit({
      max: limit.max,
      timeWindow: limit.windowMs,
      ...(keyGenerator && { keyGenerator }),
    }) as Limiter);
  // Without a keyGenerator the client address is the key (its IPv6 /64 for IPv6).
  const failures = limiter(limits.authFailures);
  const callbacks = limiter(limits.callbacks);
  const ingest = limiter(limits.ingest, (request) => `ingest\u0000${request.principal?.name}`);

  server.decorateRequest('principal', undefined);
  server.addHook('onRequest', async (request) => {
    // The matched route where there is one, so an encoded path cannot slip past the prefix checks.
    const route = request.routeOptions.url ?? request.url.split('?')[0]!;
    if (!route.startsWith('/v1/')) return;
    if (route.startsWith(CALLBACKS_PREFIX)) {
      await enforce(callbacks, request);
      return;
    }
    const token = bearerToken(request);
    const principal = token ? tokens.identify(token) : undefined;
    if (!principal) {
      await enforce(failures, request);
      throw errors.unauthorized(token ? 'the bearer token is not valid' : undefined);
    }
    request.principal = principal;
    if (route === INGEST_ROUTE && request.method === 'POST') await enforce(ingest, request);
  });
  // Socket.IO handshakes do not pass through fastify. They share the HTTP budget of their address;
  // the limiter needs only what it reads of a request: the address as `ip`, and route options.
  return async (address) => {
    if (!failures) return undefined;
    const result = await failures({ ip: address, routeOptions: { config: {} } } as unknown as FastifyRequest);
    return !result.isAllowed && result.isExceeded
      ? { retryAfter: Math.max(1, result.ttlInSeconds ?? 1) }
      : undefined;
  };
}

/** Counts the request against `limiter` and refuses it with 429 once the limit is passed. */
async function enforce(limiter: Limiter | undefined, request: FastifyRequest): Promise<void> {
  if (!limiter) return;
  const result = await limiter(request);
  if (!result.isAllowed && result.isExceeded) throw errors.rateLimited(Math.max(1, result.ttlInSeconds ?? 1));
}
