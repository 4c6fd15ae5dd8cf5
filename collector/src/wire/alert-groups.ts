// Alerts by (rule, store) for lists of thousands, as Alertmanager's UI and karma group them: the
// groups with their counts and newest alert, one group's alerts page by page, and the bulk
// acknowledge and silence that act on a group or on chosen alerts. Every page is keyset-paged.
import { type Static, Type } from '@sinclair/typebox';
import { Alert } from './alerts.ts';
import { Nullable } from './nullable.ts';
import { Silence } from './silences.ts';

const TIME = (what: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: `RFC 3339; ${what}` }));

/** The filters a list of groups and a group's alerts share. */
const AlertFilters = {
  status: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'one status or a comma-separated list; default firing,acknowledged',
    }),
  ),
  severity: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'one severity or a comma-separated list' }),
  ),
  since: TIME('alerts updated at or after it'),
  until: TIME('alerts updated before it'),
};

export const AlertGroupsQuery = Type.Object({
  ...AlertFilters,
  rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 25 }),
  after: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'a `next_after` cursor from the previous page',
    }),
  ),
});
export type AlertGroupsQuery = Static<typeof AlertGroupsQuery>;

export const AlertGroup = Type.Object({
  group: Type.String({ description: 'opaque key of (rule, store): for the group alerts and bulk actions' }),
  rule: Type.String(),
  store_id: Nullable(Type.String()),
  severity: Type.String({ description: 'the highest severity among the chosen alerts' }),
  count: Type.Integer({ minimum: 1, description: 'alerts of the group the filters chose' }),
  firing: Type.Integer({ minimum: 0 }),
  acknowledged: Type.Integer({ minimum: 0 }),
  updated_at: Type.String({ format: 'date-time', description: 'the latest change among them' }),
  newest: Alert,
});
export type AlertGroup = Static<typeof AlertGroup>;

export const AlertGroupPage = Type.Object({
  groups: Type.Array(AlertGroup, {
    description: 'highest severity first, then the largest groups, then by rule and store',
  }),
  total_groups: Type.Integer({ minimum: 0 }),
  total_alerts: Type.Integer({ minimum: 0 }),
  next_after: Nullable(Type.String()),
});
export type AlertGroupPage = Static<typeof AlertGroupPage>;

export const AlertGroupParams = Type.Object({ group: Type.String({ minLength: 1, maxLength: 512 }) });
export type AlertGroupParams = Static<typeof AlertGroupParams>;

export const GroupAlertsQuery = Type.Object({
  ...AlertFilters,
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  before: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'a `next_before` cursor from the previous page',
    }),
  ),
});
export type GroupAlertsQuery = Static<typeof GroupAlertsQuery>;

export const GroupAlertPage = Type.Object({
  alerts: Type.Array(Alert, { description: 'newest first (by when the condition started)' }),
  next_before: Nullable(Type.String()),
});
export type GroupAlertPage = Static<typeof GroupAlertPage>;

/** Chosen alerts: by id, or a whole group narrowed by the same filters as the list. */
const Selection = {
  ids: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 1000 }),
  ),
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  severity: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  since: TIME('with `group`: alerts updated at or after it'),
  until: TIME('with `group`: alerts updated before it'),
};

export const BulkAckBody = Type.Object(
  { ...Selection, note: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false, description: 'either `ids` or `group`' },
);
export type BulkAckBody = Static<typeof BulkAckBody>;

export const BulkSkip = Type.Object({
  id: Type.String(),
  reason: Type.String({ description: '`not_found`, `already_resolved`, `not_firing`' }),
});

export const BulkAckReply = Type.Object({
  acknowledged: Type.Array(Type.String(), { description: 'ids of the alerts acknowledged' }),
  skipped: Type.Array(BulkSkip),
});
export type BulkAckReply = Static<typeof BulkAckReply>;

export const BulkSilenceBody = Type.Object(
  {
    ...Selection,
    ends_at: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'RFC 3339 with an offset, in the future',
    }),
    comment: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false, description: 'either `ids` or `group`' },
);
export type BulkSilenceBody = Static<typeof BulkSilenceBody>;

export const BulkSilenceReply = Type.Object({
  silences: Type.Array(Silence, {
    description: 'a group: one silence on its rule and store; ids: one per rule and entity type',
  }),
});
export type BulkSilenceReply = Static<typeof BulkSilenceReply>;
