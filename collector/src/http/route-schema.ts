// The error replies a route declares beside its success: every one is the catalogue's body.
import { ApiErrorBody } from '../wire/errors.ts';

/** Errors every token-protected `/v1` route may answer with: bad input, 401/403, 429, store down. */
export const PROTECTED_ERRORS = [400, 401, 403, 429, 500, 503] as const;

export function errorResponses<S extends number>(...statuses: readonly S[]): Record<S, typeof ApiErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ApiErrorBody])) as Record<
    S,
    typeof ApiErrorBody
  >;
}

/** The OpenAPI security requirement of a route that needs a bearer token. */
export const BEARER = [{ bearer: [] }];
