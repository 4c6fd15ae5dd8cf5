// The reconciliation pending pool (待确认订单池): fuzzy matches and unmatched items awaiting an operator.
import { type Static, Type } from '@sinclair/typebox';
import { LangQuery, MessageRef } from './message.ts';
import { OpenMap } from './open-map.ts';

export const PENDING_KINDS = [
  'fuzzy_match',
  'unmatched_payment',
  'unmatched_order',
  'amount_mismatch',
] as const;
export type PendingKind = (typeof PENDING_KINDS)[number];
export const PENDING_RESOLUTIONS = ['matched', 'write_off', 'refund', 'escalate'] as const;
export type PendingResolution = (typeof PENDING_RESOLUTIONS)[number];
export const PENDING_STATUSES = ['open', 'escalated', 'resolved'] as const;
export type PendingStatus = (typeof PENDING_STATUSES)[number];

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const PendingListQuery = Type.Object({
  // "open" lists what still needs someone: new items and escalated ones
  status: Type.Union([...PENDING_STATUSES.map((s) => Type.Literal(s)), Type.Literal('all')], {
    default: 'open',
  }),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  kind: Type.Optional(literals(PENDING_KINDS)),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  day: Type.Optional(
    Type.String({ pattern: '^\\d{4}-\\d\\d-\\d\\d$', description: 'the local day, YYYY-MM-DD' }),
  ),
  before_id: Type.Optional(
    Type.Integer({ minimum: 1, description: 'a `next_before_id` from the previous page' }),
  ),
  lang: LangQuery,
});
export type PendingListQuery = Static<typeof PendingListQuery>;

export const PendingParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });
export type PendingParams = Static<typeof PendingParams>;

export const ResolvePendingBody = Type.Object(
  {
    resolution: literals(PENDING_RESOLUTIONS),
    note: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);
export type ResolvePendingBody = Static<typeof ResolvePendingBody>;

const nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const PendingItem = Type.Object({
  id: Type.String(),
  kind: literals(PENDING_KINDS),
  status: literals(PENDING_STATUSES),
  provider: Type.String(),
  day: Type.String({ description: 'local day, YYYY-MM-DD' }),
  store_id: Type.String(),
  device_id: Type.String(),
  amount_fen: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.String({
    description: "in the reader's language: `?lang=`, else `Accept-Language`, else zh-CN",
  }),
  reason_message: Type.Union([MessageRef, Type.Null()], {
    description: 'what `reason` is rendered from; evidence keys are labelled by `evidence.<key>` messages',
  }),
  created_at: Type.String(),
  /** The bill line's side of the evidence. */
  bill: Type.Union([OpenMap(), Type.Null()]),
  /** The order's side of the evidence. */
  order: Type.Union([OpenMap(), Type.Null()]),
  resolution: Type.Union([literals(PENDING_RESOLUTIONS), Type.Null()]),
  note: nullable(Type.String()),
  /** `orderpulse` when resolved automatically, else the operator token's name. */
  resolved_by: nullable(Type.String()),
  resolved_at: nullable(Type.String()),
  /** True when a later callback, provider query or bill explained the item (resolution `matched`). */
  resolved_automatically: Type.Boolean(),
  /**
   * What explained it: `kind` `order_event` | `payment_event` (with `source`, `event_id`, `occurred_at`,
   * `received_at`) or `bill_line` (with `import_id`, `transaction_id`, `match`), null otherwise.
   */
  resolution_evidence: Type.Union([OpenMap(), Type.Null()]),
});
export type PendingItem = Static<typeof PendingItem>;

export const PendingList = Type.Object({
  items: Type.Array(PendingItem),
  next_before_id: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], { description: 'the next page, or null on the last one' }),
  ),
  time_zone: Type.Optional(
    Type.String({ description: 'the business time zone (`ORDERPULSE_TZ`) to show evidence times in' }),
  ),
});
export type PendingList = Static<typeof PendingList>;

export const ResolvePendingReply = Type.Object({ item: PendingItem });
export type ResolvePendingReply = Static<typeof ResolvePendingReply>;

export const BulkResolvePendingBody = Type.Object(
  {
    ids: Type.Array(Type.String({ pattern: '^[0-9]{1,18}$' }), { minItems: 1, maxItems: 500 }),
    resolution: literals(PENDING_RESOLUTIONS),
    note: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);
export type BulkResolvePendingBody = Static<typeof BulkResolvePendingBody>;

export const BulkResolvePendingReply = Type.Object({
  items: Type.Array(PendingItem, { description: 'the items resolved (or escalated)' }),
  skipped: Type.Array(
    Type.Object({
      id: Type.String(),
      reason: Type.Union([Type.Literal('not_found'), Type.Literal('already_resolved')]),
    }),
  ),
});
export type BulkResolvePendingReply = Static<typeof BulkResolvePendingReply>;
