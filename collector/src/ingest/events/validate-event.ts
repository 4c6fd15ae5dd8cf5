// Turns one untrusted wire item into a domain event, or says precisely why not.
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { OrderEvent } from '../../domain/events.ts';
import { boundEventTime, parseRfc3339Instant, type TimeBounds } from '../event-time.ts';
import { valueLimitProblem } from '../value-limits.ts';
import { OrderStatusWire, PaymentNotifyWire, ShipmentUpdateWire, type WireEvent } from './wire-schema.ts';

const checkers = {
  'order.status': TypeCompiler.Compile(OrderStatusWire),
  'payment.notify': TypeCompiler.Compile(PaymentNotifyWire),
  'shipment.update': TypeCompiler.Compile(ShipmentUpdateWire),
};

export type ItemError = { error: 'invalid_event' | 'unknown_type' | 'invalid_time'; message: string };
export type ItemResult = { ok: true; event: OrderEvent } | ({ ok: false } & ItemError);

export function validateEvent(item: unknown, source: string, bounds: TimeBounds): ItemResult {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { ok: false, error: 'invalid_event', message: 'an event must be a JSON object' };
  }
  // Before the schema check: that walk (and every later one) recurses into nested values.
  const problem = valueLimitProblem(item);
  if (problem !== undefined) return { ok: false, error: 'invalid_event', message: problem };
  const type = (item as { type?: unknown }).type;
  // An own-property test: `in` also finds "constructor", "toString" and "__proto__" on the prototype.
  if (typeof type !== 'string' || !Object.hasOwn(checkers, type)) {
    return {
      ok: false,
      error: 'unknown_type',
      message: `type must be one of ${Object.keys(checkers).join(', ')}, got ${JSON.stringify(type ?? null)}`,
    };
  }
  const checker = checkers[type as keyof typeof checkers];
  // Check() is the compiled fast path; the error walk only runs for items that fail it.
  const first = checker.Check(item) ? undefined : checker.Errors(item).First();
  if (first) {
    const field = first.path.replace(/^\//, '').replaceAll('/', '.') || '(event)';
    return { ok: false, error: 'invalid_event', message: `${field}: ${first.message}` };
  }
  const wire = item as WireEvent;
  const parsed = parseRfc3339Instant(wire.occurred_at);
  if (parsed === undefined) {
    return {
      ok: false,
      error: 'invalid_time',
      message: `occurred_at must be a real instant as an RFC 3339 date-time with an offset (e.g. 2026-11-11T10:00:00+08:00), got ${JSON.stringify(wire.occurred_at)}`,
    };
  }
  const bounded = boundEventTime(parsed, bounds);
  if (!bounded.ok) {
    return {
      ok: false,
      error: 'invalid_time',
      message: `occurred_at ${JSON.stringify(wire.occurred_at)} ${bounded.message}`,
    };
  }
  return { ok: true, event: toDomain(wire, source, bounded.at) };
}

// Built with assignments rather than conditional spreads: this runs for every ingested event and
// the spreads allocated a throw-away object per optional field.
function toDomain(wire: WireEvent, source: string, occurredAt: number): OrderEvent {
  switch (wire.type) {
    case 'order.status': {
      const event: OrderEvent = {
        id: wire.id,
        source,
        occurredAt,
        orderId: wire.order_id,
        storeId: wire.store_id,
        type: wire.type,
        status: wire.status,
      };
      if (wire.amount_fen !== undefined) event.amountFen = wire.amount_fen;
      if (wire.region !== undefined) event.region = wire.region;
      if (wire.channel !== undefined) event.channel = wire.channel;
      if (wire.carrier !== undefined) event.carrier = wire.carrier;
      if (wire.tracking_no !== undefined) event.trackingNo = wire.tracking_no;
      if (wire.provider !== undefined) event.provider = wire.provider;
      return event;
    }
    case 'payment.notify':
      return {
        id: wire.id,
        source,
        occurredAt,
        orderId: wire.order_id,
        storeId: wire.store_id,
        type: wire.type,
        provider: wire.provider,
        transactionId: wire.transaction_id,
        amountFen: wire.amount_fen,
        status: wire.status,
      };
    case 'shipment.update': {
      const event: OrderEvent = {
        id: wire.id,
        source,
        occurredAt,
        orderId: wire.order_id,
        storeId: wire.store_id,
        type: wire.type,
        carrier: wire.carrier,
        trackingNo: wire.tracking_no,
        state: wire.state,
      };
      if (wire.location !== undefined) event.location = wire.location;
      if (wire.destination_region !== undefined) event.destinationRegion = wire.destination_region;
      return event;
    }
  }
}
