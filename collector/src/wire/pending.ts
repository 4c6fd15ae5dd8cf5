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
  before_id: Type.Optional(Type.Integer({ minimum: 1 })),
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
  resolved_by: nullable(Type.String()),
  resolved_at: nullable(Type.String()),
});
export type PendingItem = Static<typeof PendingItem>;

export const PendingList = Type.Object({
  items: Type.Array(PendingItem),
  time_zone: Type.Optional(
    Type.String({ description: 'the business time zone (`ORDERPULSE_TZ`) to show evidence times in' }),
  ),
});
export type PendingList = Static<typeof PendingList>;

export const ResolvePendingReply = Type.Object({ item: PendingItem });
export type ResolvePendingReply = Static<typeof ResolvePendingReply>;
