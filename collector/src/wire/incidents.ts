// GET /v1/incidents: the payment providers' callback outages (`callback_silent` episodes) and what
// asking the providers recovered from each.
import { type Static, Type } from '@sinclair/typebox';
import { Nullable } from './nullable.ts';

export const IncidentsQuery = Type.Object({
  since: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'outages resolved before this are left out; default 24 hours ago (open ones always show)',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});
export type IncidentsQuery = Static<typeof IncidentsQuery>;

const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const IncidentQueries = Type.Object({
  sent: Count(
    'order queries made at the provider since the outage began about its orders: created during it, or whose payment made during it a query confirmed',
  ),
  paid: Count('answered paid (or refunded)'),
  not_paid: Count('answered not paid or closed'),
  not_found: Count('the provider knows no such order'),
  error: Count('failed: transport, HTTP, signature or an unreadable answer'),
  in_flight: Count('not answered yet'),
});
export type IncidentQueries = Static<typeof IncidentQueries>;

export const Incident = Type.Object({
  kind: Type.Literal('callback_silent'),
  alert_id: Type.String({ description: 'the callback_silent alert of this outage' }),
  provider: Type.String(),
  started_at: Type.String({
    format: 'date-time',
    description: "the provider's last callback before the alert (the alert's start when none is stored)",
  }),
  ended_at: Nullable(
    Type.String({ format: 'date-time', description: 'callbacks came back; null while open' }),
  ),
  open: Type.Boolean(),
  awaiting_payment: Count('orders the outage left awaiting payment: confirmed_by_query + still_awaiting'),
  confirmed_by_query: Count('orders paid during the outage whose payment a query to the provider confirmed'),
  applied: Count('of those, orders the order system has since moved to paid or later'),
  remaining: Count('confirmed by query and not applied yet: paid orders the order system still shows unpaid'),
  still_awaiting: Count('orders created during the outage still awaiting payment with none confirmed'),
  queries: IncidentQueries,
});
export type Incident = Static<typeof Incident>;

export const IncidentList = Type.Object({ incidents: Type.Array(Incident) });
export type IncidentList = Static<typeof IncidentList>;
