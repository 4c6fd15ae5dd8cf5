// The order state machine: which statuses exist, which moves are legal, and how an event (possibly
// late, possibly out of order) changes an order's current state.
//
// Invariant: the state is a join over the events seen, so applying any permutation of the same events
// gives the same state. The status is the furthest status reported, where "furthest" is the contract's
// own order of ORDER_STATUSES (created < paid < … < delivered < cancelled < refunded < closed); every
// legal transition moves forward in that order. Event time (occurredAt) decides WHEN: `statusAt` is the
// earliest report of the current status, and a late event (older than what we know) can only add facts
// such as `paidAt` — it never moves the status back.
import { ORDER_STATUSES, type OrderEvent, type OrderStatus } from './events.ts';

/** Statuses in which nothing more is expected, so no stall deadline runs. */
export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'delivered',
  'cancelled',
  'refunded',
  'closed',
]);

const PRECEDENCE = new Map<OrderStatus, number>(ORDER_STATUSES.map((status, index) => [status, index]));

export function statusPrecedence(status: OrderStatus): number {
  return PRECEDENCE.get(status) ?? -1;
}

/**
 * Legal moves. Skipping forward is legal (sources often report only some steps, e.g. a POS sale goes
 * created → delivered). Not legal: cancelling after shipping (that is a refund), refunding an unpaid
 * order, cancelling a delivered one, and anything out of `closed`.
 */
export const LEGAL_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  created: ['paid', 'picking', 'packed', 'shipped', 'delivered', 'cancelled', 'closed'],
  paid: ['picking', 'packed', 'shipped', 'delivered', 'cancelled', 'refunded', 'closed'],
  picking: ['packed', 'shipped', 'delivered', 'cancelled', 'refunded', 'closed'],
  packed: ['shipped', 'delivered', 'cancelled', 'refunded', 'closed'],
  shipped: ['delivered', 'refunded', 'closed'],
  delivered: ['refunded', 'closed'],
  cancelled: ['refunded', 'closed'],
  refunded: ['closed'],
  closed: [],
};

export function isLegalTransition(from: OrderStatus, to: OrderStatus): boolean {
  return LEGAL_TRANSITIONS[from].includes(to);
}

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Statuses that imply the payment was applied to the order. */
export const PAID_OR_LATER_STATUSES: readonly OrderStatus[] = [
  'paid',
  'picking',
  'packed',
  'shipped',
  'delivered',
  'refunded',
];
const PAID_OR_LATER: ReadonlySet<OrderStatus> = new Set<OrderStatus>(PAID_OR_LATER_STATUSES);

/**
 * Current state of one order: only what the rules need. Every field is always present (possibly
 * undefined) so all orders share one object shape, which keeps a million of them compact.
 */
export interface OrderState {
  orderId: string;
  /** From the first event seen for the order; an order belongs to one store. */
  storeId: string;
  /** Undefined until an `order.status` event arrives (a payment may come first). */
  status: OrderStatus | undefined;
  /** Earliest occurredAt among the reports of the current status: when the order entered it. */
  statusAt: number | undefined;
  createdAt: number | undefined;
  /** Earliest `order.status` paid report, even if it arrived after later statuses. */
  paidAt: number | undefined;
  /** Earliest successful `payment.notify`. */
  paymentAt: number | undefined;
  /** Attributes are last-writer-wins by occurredAt (ties: the larger value), each with its own time. */
  amountFen: number | undefined;
  amountAt: number | undefined;
  region: string | undefined;
  regionAt: number | undefined;
  channel: string | undefined;
  channelAt: number | undefined;
  /** Latest occurredAt of any event applied. */
  updatedAt: number;
}

export interface OrderEventOutcome {
  state: OrderState;
  /** The status (or the time it was entered) changed. */
  statusChanged: boolean;
  /** The event is older than something already known for this order. */
  late: boolean;
  /** The move is not in LEGAL_TRANSITIONS; a forward illegal move is still applied (join semantics). */
  irregular: boolean;
}

export function newOrderState(orderId: string, storeId: string, at: number): OrderState {
  return {
    orderId,
    storeId,
    status: undefined,
    statusAt: undefined,
    createdAt: undefined,
    paidAt: undefined,
    paymentAt: undefined,
    amountFen: undefined,
    amountAt: undefined,
    region: undefined,
    regionAt: undefined,
    channel: undefined,
    channelAt: undefined,
    updatedAt: at,
  };
}

const minTime = (a: number | undefined, b: number): number => (a === undefined || b < a ? b : a);

function wins<T extends string | number>(
  value: T,
  at: number,
  current: T | undefined,
  currentAt: number | undefined,
): boolean {
  if (current === undefined || currentAt === undefined || at > currentAt) return true;
  return at === currentAt && value > current;
}

/**
 * Applies one event to an order's state and returns a NEW state object (the input is not mutated).
 * `shipment.update` events only advance `updatedAt`; shipments have their own state.
 */
export function applyOrderEvent(state: OrderState | undefined, event: OrderEvent): OrderEventOutcome {
  const at = event.occurredAt;
  const prev = state ?? newOrderState(event.orderId, event.storeId, at);
  const next: OrderState = { ...prev, updatedAt: Math.max(prev.updatedAt, at) };
  const late = state !== undefined && at < prev.updatedAt;
  let statusChanged = false;
  let irregular = false;

  if (event.type === 'order.status') {
    const status = event.status;
    if (status === 'created') next.createdAt = minTime(prev.createdAt, at);
    if (status === 'paid') next.paidAt = minTime(prev.paidAt, at);
    if (prev.status === undefined || statusPrecedence(status) > statusPrecedence(prev.status)) {
      irregular = prev.status !== undefined && !isLegalTransition(prev.status, status);
      next.status = status;
      next.statusAt = at;
      statusChanged = true;
    } else if (status === prev.status) {
      next.statusAt = minTime(prev.statusAt, at);
      statusChanged = next.statusAt !== prev.statusAt;
    } else {
      // An older step reported after a further one: legal only as a late report.
      irregular = !late;
    }
    if (event.amountFen !== undefined && wins(event.amountFen, at, prev.amountFen, prev.amountAt)) {
      next.amountFen = event.amountFen;
      next.amountAt = at;
    }
    if (event.region !== undefined && wins(event.region, at, prev.region, prev.regionAt)) {
      next.region = event.region;
      next.regionAt = at;
    }
    if (event.channel !== undefined && wins(event.channel, at, prev.channel, prev.channelAt)) {
      next.channel = event.channel;
      next.channelAt = at;
    }
  } else if (event.type === 'payment.notify' && event.status === 'success') {
    next.paymentAt = minTime(prev.paymentAt, at);
  }
  return { state: next, statusChanged, late, irregular };
}

/** True once the order has been paid in the order system (a cancelled order was not, unless it was paid first). */
export function hasReachedPaid(state: OrderState): boolean {
  return state.paidAt !== undefined || (state.status !== undefined && PAID_OR_LATER.has(state.status));
}
