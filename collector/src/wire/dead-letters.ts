// GET /v1/dead-letters (newest first, pages of at most 1 MiB) and the raw body of one letter.
import { type Static, Type } from '@sinclair/typebox';

export const DeadLettersQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before: Type.Optional(
    Type.String({ pattern: '^\\d{1,19}-\\d{1,19}$', description: 'a `next_before` cursor' }),
  ),
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export type DeadLettersQuery = Static<typeof DeadLettersQuery>;

export const DeadLetterParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});
export type DeadLetterParams = Static<typeof DeadLetterParams>;

export const DeadLetter = Type.Object({
  id: Type.Integer(),
  received_at: Type.String({ format: 'date-time' }),
  endpoint: Type.String(),
  source: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  message: Type.String(),
  index: Type.Union([Type.Integer(), Type.Null()], { description: 'the refused item of a batch' }),
  raw: Type.String({ description: 'the start of the body as text' }),
  length: Type.Integer({ description: 'bytes of the whole body' }),
  sha256: Type.String(),
  truncated: Type.Boolean(),
  raw_url: Type.Union([Type.String(), Type.Null()], {
    description: 'the whole body, kept for authenticated callers only',
  }),
});
export type DeadLetter = Static<typeof DeadLetter>;

export const DeadLetterPage = Type.Object({
  dead_letters: Type.Array(DeadLetter),
  next_before: Type.Union([Type.String(), Type.Null()]),
});
export type DeadLetterPage = Static<typeof DeadLetterPage>;
