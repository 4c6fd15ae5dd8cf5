// The fields a custom condition may read. Conditions are checked against this list when the rule
// files load, so a typo is a load error rather than a rule that silently never fires.
import {
  EVENT_TYPES,
  ORDER_STATUSES,
  type OrderEvent,
  type OrderStatus,
  PAYMENT_PROVIDERS,
  PAYMENT_STATUSES,
  SHIPMENT_STATES,
} from '../../domain/events.ts';

export type FieldType = 'string' | 'number' | 'boolean';

export interface FieldSpec {
  type: FieldType;
  /** For enumerations: the only values a literal compared with this field may take. */
  values?: readonly string[];
  description: string;
}

/** What a condition sees: the event's own fields, completed from the order it belongs to. */
export const CONTEXT_FIELDS: Readonly<Record<string, FieldSpec>> = Object.freeze({
  type: { type: 'string', values: EVENT_TYPES, description: 'event type' },
  source: { type: 'string', description: 'who sent the event (ingest token name or provider)' },
  order_id: { type: 'string', description: 'order id' },
  store_id: { type: 'string', description: 'store id' },
  occurred_at: { type: 'number', description: 'event time, epoch milliseconds' },
  status: {
    type: 'string',
    values: [...new Set<string>([...ORDER_STATUSES, ...PAYMENT_STATUSES])],
    description: "the event's own status (order.status: order status; payment.notify: payment status)",
  },
  order_status: { type: 'string', values: ORDER_STATUSES, description: "the order's current status" },
  amount_fen: { type: 'number', description: "amount in fen (the event's, else the order's)" },
  region: { type: 'string', description: "the order's region (province or city)" },
  channel: { type: 'string', description: 'sales channel, e.g. taobao, jd, miniapp, pos' },
  provider: { type: 'string', values: PAYMENT_PROVIDERS, description: 'payment provider' },
  transaction_id: { type: 'string', description: 'payment transaction id' },
  carrier: { type: 'string', description: 'shipment carrier' },
  tracking_no: { type: 'string', description: 'waybill number' },
  state: { type: 'string', values: SHIPMENT_STATES, description: 'shipment state' },
  location: { type: 'string', description: 'last reported shipment location' },
  destination_region: { type: 'string', description: 'shipment destination region' },
});

export type ContextValue = string | number | boolean | null | undefined;

/** A flat record keyed by CONTEXT_FIELDS names; missing fields read as null. */
export type RuleContext = Readonly<Record<string, ContextValue>>;

/** The order facts a condition may need beyond the event itself. */
export interface OrderFacts {
  status?: OrderStatus | undefined;
  amountFen?: number | undefined;
  region?: string | undefined;
  channel?: string | undefined;
}

/** Builds the context a custom rule is evaluated on; event fields win over the order's. */
export function buildRuleContext(event: OrderEvent, order?: OrderFacts): RuleContext {
  const context: Record<string, ContextValue> = Object.create(null);
  context.type = event.type;
  context.source = event.source;
  context.order_id = event.orderId;
  context.store_id = event.storeId;
  context.occurred_at = event.occurredAt;
  context.order_status = order?.status ?? (event.type === 'order.status' ? event.status : undefined);
  context.amount_fen = order?.amountFen;
  context.region = order?.region;
  context.channel = order?.channel;
  switch (event.type) {
    case 'order.status':
      context.status = event.status;
      context.amount_fen = event.amountFen ?? context.amount_fen;
      context.region = event.region ?? context.region;
      context.channel = event.channel ?? context.channel;
      context.carrier = event.carrier;
      context.tracking_no = event.trackingNo;
      break;
    case 'payment.notify':
      context.status = event.status;
      context.provider = event.provider;
      context.transaction_id = event.transactionId;
      context.amount_fen = event.amountFen;
      break;
    case 'shipment.update':
      context.carrier = event.carrier;
      context.tracking_no = event.trackingNo;
      context.state = event.state;
      context.location = event.location;
      context.destination_region = event.destinationRegion;
      break;
  }
  return context;
}
