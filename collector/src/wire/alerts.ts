// The alert as the API and the live stream carry it (snake_case, RFC 3339 times), and the requests
// of /v1/alerts. `rule` is a built-in rule name or a custom rule's name.
import { type Static, Type } from '@sinclair/typebox';
import { LangQuery, MessageRef } from './message.ts';
import { Nullable } from './nullable.ts';

export const Severity = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')]);
export type Severity = Static<typeof Severity>;

/** `pending` (condition holds, `for` not yet elapsed) only appears when asked for with status=pending. */
export const AlertStatus = Type.Union([
  Type.Literal('firing'),
  Type.Literal('acknowledged'),
  Type.Literal('resolved'),
  Type.Literal('pending'),
]);
export type AlertStatus = Static<typeof AlertStatus>;

export const Alert = Type.Object({
  id: Type.String(),
  rule: Type.String(),
  severity: Severity,
  status: AlertStatus,
  entity_type: Type.String({ description: 'e.g. `order`, `shipment`, `provider`, `store`' }),
  entity_id: Type.String(),
  store_id: Nullable(Type.String()),
  rule_name: Type.String({ description: "the rule's name in the reader's language" }),
  summary: Type.String({
    description: "in the reader's language: `?lang=`, else `Accept-Language`, else zh-CN",
  }),
  summary_zh: Type.String(),
  summary_message: Nullable(MessageRef, {
    description: 'what `summary` is rendered from; null for custom rules with a summary of their own',
  }),
  labels: Type.Record(Type.String(), Type.String()),
  started_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  resolved_at: Nullable(Type.String({ format: 'date-time' })),
  acknowledged_at: Nullable(Type.String({ format: 'date-time' })),
  acknowledged_by: Nullable(Type.String()),
  ack_note: Nullable(Type.String()),
  approval: Type.Optional(
    Type.Union([Type.Literal('awaiting'), Type.Literal('approved'), Type.Literal('lapsed')], {
      description:
        'only for rules with `requires_approval: true`: `awaiting` until an operator acknowledges the alert (that is the approval: `acknowledged_by`/`acknowledged_at`), `lapsed` if it resolved unapproved',
    }),
  ),
  silenced: Type.Optional(
    Type.Boolean({
      description: 'muted by an active silence: visible, not notified; absent where not worked out',
    }),
  ),
});
export type Alert = Static<typeof Alert>;

export const AlertsQuery = Type.Object({
  status: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'one status or a comma-separated list; default firing,acknowledged',
    }),
  ),
  rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  store_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  since: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'RFC 3339; alerts updated at or after it' }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  lang: LangQuery,
});
export type AlertsQuery = Static<typeof AlertsQuery>;

export const AlertParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export type AlertParams = Static<typeof AlertParams>;

/** Acknowledge or resolve: an optional note, or no body at all. */
export const AlertActionBody = Type.Union([
  Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
  Type.Null(),
]);
export type AlertActionBody = Static<typeof AlertActionBody>;

export const AlertList = Type.Object({ alerts: Type.Array(Alert) });
export type AlertList = Static<typeof AlertList>;

export const AlertReply = Type.Object({ alert: Alert });
export type AlertReply = Static<typeof AlertReply>;
