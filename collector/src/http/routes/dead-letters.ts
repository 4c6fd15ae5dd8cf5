// GET /v1/dead-letters pages newest first by (received time, id), each page at most 1 MiB of JSON;
// GET /v1/dead-letters/{id}/raw serves an authenticated caller's exact body as a download.
import type { FastifyInstance } from 'fastify';
import { type DeadLetter, deadLetterBody, listDeadLetters } from '../../store/dead-letters.ts';
import {
  DeadLetterPage,
  DeadLetterParams,
  DeadLettersQuery,
  type DeadLetter as WireDeadLetter,
} from '../../wire/dead-letters.ts';
import { authorize } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { errors } from '../errors.ts';
import { BEARER, errorResponses, PROTECTED_ERRORS } from '../route-schema.ts';
import { visibleTo } from '../scope.ts';

/** A page stops before the item that would take it past this, so no reply grows with the store. */
export const MAX_PAGE_BYTES = 1024 * 1024;

/** Media types served as themselves; any other body is a plain octet stream. */
const SERVED_TYPES: Readonly<Record<string, { type: string; extension: string }>> = {
  'application/json': { type: 'application/json; charset=utf-8', extension: 'json' },
  'application/x-ndjson': { type: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  'application/x-www-form-urlencoded': { type: 'application/x-www-form-urlencoded', extension: 'txt' },
  'text/plain': { type: 'text/plain; charset=utf-8', extension: 'txt' },
  'text/csv': { type: 'text/csv; charset=utf-8', extension: 'csv' },
};
const OCTETS = { type: 'application/octet-stream', extension: 'bin' };

export async function deadLettersRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.get<{ Querystring: DeadLettersQuery }>(
    '/v1/dead-letters',
    {
      schema: {
        tags: ['dead-letters'],
        summary: 'Refused input, newest first, in pages of at most 1 MiB',
        security: BEARER,
        querystring: DeadLettersQuery,
        // The page is serialised by hand (it stops at 1 MiB), so this schema documents it only.
        response: { 200: DeadLetterPage, ...errorResponses(...PROTECTED_ERRORS) },
      },
    },
    async (request, reply) => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const { limit, before, reason } = request.query;
      // Refused input belongs to no verified store: a scoped caller has none.
      if ((await visibleTo(ctx, principal)) !== undefined)
        return reply.type('application/json; charset=utf-8').send(pageJson([], limit));
      // One more than asked tells whether a next page exists.
      const letters = await listDeadLetters(ctx.db, {
        limit: limit + 1,
        ...(before !== undefined && { before }),
        ...(reason !== undefined && { reason }),
      });
      return reply.type('application/json; charset=utf-8').send(pageJson(letters, limit));
    },
  );

  app.get<{ Params: DeadLetterParams }>(
    '/v1/dead-letters/:id/raw',
    {
      schema: {
        tags: ['dead-letters'],
        summary: "An authenticated caller's exact body, as a download",
        security: BEARER,
        params: DeadLetterParams,
        response: {
          200: {
            description: 'the body as received, served as its own media type when safe, else octets',
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...errorResponses(...PROTECTED_ERRORS, 404),
        },
      },
    },
    async (request, reply) => {
      const principal = authorize(ctx.tokens, request, ['viewer']);
      const { id } = request.params;
      const scoped = (await visibleTo(ctx, principal)) !== undefined;
      const body = scoped ? undefined : await deadLetterBody(ctx.db, id);
      if (!body) throw errors.notFound(`the full body of dead letter ${id}`);
      const served = (body.contentType && SERVED_TYPES[body.contentType]) || OCTETS;
      // Whatever a caller sent must never render or run in the dashboard's origin.
      return reply
        .type(served.type)
        .header('content-disposition', `attachment; filename="dead-letter-${id}.${served.extension}"`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'no-store')
        .send(body.bytes);
    },
  );
}

/** Serialises up to `limit` letters, stopping early at MAX_PAGE_BYTES; `next_before` continues. */
function pageJson(letters: DeadLetter[], limit: number): string {
  const head = '{"dead_letters":[';
  const items: string[] = [];
  // Room for the tail with the longest cursor.
  let bytes = Buffer.byteLength(head) + 64;
  let full = false;
  for (const letter of letters.slice(0, limit)) {
    const item = JSON.stringify(listItem(letter));
    const itemBytes = Buffer.byteLength(item) + 1;
    if (items.length > 0 && bytes + itemBytes > MAX_PAGE_BYTES) {
      full = true;
      break;
    }
    items.push(item);
    bytes += itemBytes;
  }
  const more = full || letters.length > limit;
  const last = letters[items.length - 1];
  const next = more && last ? JSON.stringify(last.cursor) : 'null';
  return `${head}${items.join(',')}],"next_before":${next}}`;
}

function listItem(l: DeadLetter): WireDeadLetter {
  return {
    id: l.id,
    received_at: l.receivedAt,
    endpoint: l.endpoint,
    source: l.source,
    reason: l.reason,
    message: l.message,
    index: l.itemIndex,
    raw: l.preview,
    length: l.length,
    sha256: l.sha256,
    truncated: l.truncated,
    raw_url: l.authenticated ? `/v1/dead-letters/${l.id}/raw` : null,
  };
}
