// The error responses a route declares: every listed status answers the one error body.
// `tags` and `summary` in route schemas are typed by @fastify/swagger's FastifySchema augmentation.
import type {} from '@fastify/swagger';
import { ApiErrorBody } from '../../wire/errors.ts';

export function errorReplies<S extends number>(...statuses: S[]): Record<S, typeof ApiErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ApiErrorBody])) as Record<S, typeof ApiErrorBody>;
}
