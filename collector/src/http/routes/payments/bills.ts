// POST /v1/bills/{wechatpay|alipay}: the provider's own bill file as the body (text/csv, or the gzip the
// WeChat API hands out). The upload is spooled to a temporary file — never held in memory — so it can be
// hashed for idempotency before it is parsed. The body is capped at the bill size limit (a gzip is never
// larger than what it expands to), and the parser holds the expanded bill to the same limit.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import type { StoreReconciliationResult } from '../../../domain/reconciliation/match-bill.ts';
import { BillFormatError } from '../../../ingest/bills/bill-row.ts';
import {
  BillEncodingError,
  BillLimitError,
  type BillLimits,
  DEFAULT_BILL_LIMITS,
} from '../../../ingest/bills/bill-text.ts';
import { importBillFile } from '../../../reconciliation/import-bill.ts';
import { toWireImport } from '../../../reconciliation/import-reply.ts';
import { countAutoResolved } from '../../../reconciliation/pending-healer.ts';
import { BillImportParams, BillImportReply } from '../../../wire/bills.ts';
import { authorize } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { errors } from '../../errors.ts';
import { errorResponses } from '../../route-schema.ts';
import { requireUnscoped, visibleTo } from '../../scope.ts';

export interface BillRoutesOptions {
  ctx: AppContext;
  now: () => number;
  /** Where uploads are spooled; the OS temp dir by default. */
  spoolDir?: string;
  /** The bill limits; `maxBytes` caps the upload as well. Defaults: the config's size, 64 KiB lines. */
  limits?: BillLimits;
  onReconciled?: (results: StoreReconciliationResult[]) => void;
}

const BILL_CONTENT_TYPES = [
  'text/csv',
  'text/plain',
  'application/csv',
  'application/vnd.ms-excel',
  'application/octet-stream',
  'application/gzip',
  'application/x-gzip',
];

class TooLarge extends Error {}

const NOT_A_BILL_BODY = Symbol('not a bill body');

async function spool(body: Readable, path: string, maxBytes: number): Promise<void> {
  let size = 0;
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > maxBytes) throw new TooLarge();
        yield chunk;
      }
    },
    createWriteStream(path),
  );
}

export async function billRoutes(app: FastifyInstance, options: BillRoutesOptions): Promise<void> {
  const { ctx, now } = options;
  const limits = options.limits ?? { ...DEFAULT_BILL_LIMITS, maxBytes: ctx.config.billMaxBytes };
  const maxBytes = limits.maxBytes;
  app.removeAllContentTypeParsers();
  // Hand the request stream through untouched; the route decides how to read it.
  app.addContentTypeParser(BILL_CONTENT_TYPES, (_req, payload, done) => done(null, payload));
  // Anything else (JSON, multipart) is refused with a sentence about bills; the body is drained, not read.
  app.addContentTypeParser('*', (_req, payload, done) => {
    payload.resume();
    done(null, NOT_A_BILL_BODY);
  });

  app.post<{ Params: BillImportParams }>(
    '/v1/bills/:provider',
    {
      schema: {
        tags: ['reconciliation'],
        summary: "Import the provider's trade bill (text/csv or gzip body) and reconcile it",
        params: BillImportParams,
        response: { 200: BillImportReply, ...errorResponses(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = authorize(ctx.tokens, request, ['operator', 'ingest']);
      // A merchant bill holds every store's payments, and its reply counts them: not for a scoped token.
      requireUnscoped(await visibleTo(ctx, principal));
      const body = request.body as Readable | typeof NOT_A_BILL_BODY | undefined;
      if (!body || body === NOT_A_BILL_BODY || typeof body.pipe !== 'function') {
        const type = request.headers['content-type'] ?? '(none)';
        throw errors.unsupportedMediaType(
          type,
          `${JSON.stringify(type)} is not a bill: send the provider's file as the body with Content-Type: text/csv`,
        );
      }
      const path = join(options.spoolDir ?? tmpdir(), `orderpulse-bill-${randomBytes(8).toString('hex')}`);
      try {
        try {
          await spool(body, path, maxBytes);
        } catch (error) {
          if (error instanceof TooLarge)
            throw errors.tooLarge(
              `a bill upload may be at most ${maxBytes} bytes (ORDERPULSE_BILL_MAX_BYTES)`,
            );
          throw error;
        }
        const result = await importBillFile(ctx.db, {
          provider: request.params.provider,
          filePath: path,
          actor: principal.name,
          now: now(),
          timeZone: ctx.config.timeZone,
          limits,
        });
        if (!result.alreadyImported && result.storeResults.length > 0)
          options.onReconciled?.(result.storeResults);
        countAutoResolved(ctx.metrics, result.autoResolved);
        return reply.code(200).send(toWireImport(result));
      } catch (error) {
        if (error instanceof BillFormatError) {
          throw errors.invalidBill(error.message, {
            provider: error.provider,
            expected: error.expected,
            ...(error.line !== undefined && { line: error.line }),
          });
        }
        if (error instanceof BillLimitError) {
          throw error.tooLarge
            ? errors.tooLarge(error.message, { line: error.line })
            : errors.invalidBill(error.message, { line: error.line });
        }
        if (error instanceof BillEncodingError) throw errors.invalidBill(error.message);
        throw error;
      } finally {
        await rm(path, { force: true });
      }
    },
  );
}
