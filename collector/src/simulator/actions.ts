// What the simulator sends, as plain data: the sender turns each into an HTTP request through the
// collector's public endpoints. `at` is the wall time at which it happens (and is sent, when live).
import type { WireEvent } from '../ingest/events/wire-schema.ts';

export type { WireEvent };

export type PaymentProviderName = 'wechatpay' | 'alipay';

/** A successful payment as the provider reports it in its async notification. */
export interface PaymentCallback {
  provider: PaymentProviderName;
  orderId: string;
  storeId: string;
  /** The till that took the payment; empty for online orders. */
  tillId: string;
  transactionId: string;
  /** WeChat notification id / Alipay notify_id: the same across the provider's retries. */
  notifyId: string;
  amountFen: number;
  paidAt: number;
  /** JSAPI / MICROPAY / APP for WeChat; bill and notify carry it. */
  tradeType: string;
  /** Payer id (WeChat openid / Alipay buyer_id). */
  payer: string;
}

export interface CarrierCheckpoint {
  at: number;
  /** Kuaidi100 status code (PROVIDERS.md 4.3), e.g. `1` 揽收, `0` 在途, `5` 派件, `3` 签收, `6` 退回. */
  code: string;
  /** Kuaidi100 status name for the code (`status` in a resultv2 push). */
  name: string;
  context: string;
  city: string;
}

/** A Kuaidi100 subscription push: the waybill's whole history so far, newest state last here. */
export interface CarrierPush {
  carrier: string;
  trackingNo: string;
  orderId: string;
  checkpoints: readonly CarrierCheckpoint[];
}

export type Action =
  | { kind: 'event'; at: number; event: WireEvent }
  | { kind: 'payment'; at: number; callback: PaymentCallback }
  | { kind: 'carrier'; at: number; push: CarrierPush };

/**
 * A live action. `holdForBill`: it belongs to an order paid after the start, whose payment the
 * history's WeChat bill does not have; sent before the bill is reconciled, that order would count as
 * paid but missing from the bill.
 */
export type LiveAction = Action & { holdForBill?: boolean };

/** The scripted incidents, each naming the alert it should raise. */
export const INCIDENT_KINDS = [
  'lost_callback',
  'missing_order',
  'silent_carrier',
  'repeated_returns',
  'picking_stall',
  'paid_stall',
  'payment_unapplied',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** One line of the WeChat Pay trade bill. */
export interface BillLine {
  paidAt: number;
  transactionId: string;
  orderId: string;
  storeId: string;
  tillId: string;
  amountFen: number;
  tradeType: string;
  payer: string;
}
